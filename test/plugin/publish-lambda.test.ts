// datasette publish lambda (plugin/): its test suite with the venv's Datasette,
// run by pytest, each Python test a subtest here — the argv translation, how
// the CLI is found and started (stand-in node and npx answering as npm does),
// --help through Datasette's real CLI, and a dry run compared file by file with
// this CLI's own (DATASETTE_LAMBDA_BIN).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, TEST_CACHE } from "../_helpers/cli.ts";
import { passedIds, pytestSubtests } from "../_helpers/pytest.ts";

test("the plugin's test suite passes, its end-to-end dry run included", async (t) => {
  const results = await pytestSubtests(t, ["plugin/tests"], {
    PATH: `${join(REPO_ROOT, ".venv", "bin")}:${process.env.PATH}`,
    DATASETTE_LAMBDA_CACHE: TEST_CACHE,
  });
  // Node is on PATH here, so the end-to-end comparison must have run, not been skipped.
  assert.equal(passedIds(results, "plugin/tests/test_publish_lambda.py::EndToEnd::test_dry_run_matches_the_clis").length, 1);
});
