// datasette publish lambda (plugin/): its unittest suite with the venv's
// Datasette — the argv translation, how the CLI is found and started (stand-in
// node and npx answering as npm does), --help through Datasette's real CLI, and a
// dry run compared file by file with this CLI's own (DATASETTE_LAMBDA_BIN).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, TEST_CACHE, TEST_PYTHON } from "../_helpers/cli.ts";

const run = promisify(execFile);

test("the plugin's unittest suite passes, its end-to-end dry run included", async () => {
  try {
    const { stderr } = await run(TEST_PYTHON, ["-m", "unittest", "discover", "-v", "-s", "plugin/tests"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PATH: `${join(REPO_ROOT, ".venv", "bin")}:${process.env.PATH}`,
        DATASETTE_LAMBDA_CACHE: TEST_CACHE,
      },
      maxBuffer: 32 * 1024 * 1024,
    });
    assert.match(stderr, /\nOK/, stderr.slice(-3000));
    // Node is on PATH here, so the end-to-end comparison must have run, not been skipped.
    assert.match(stderr, /test_dry_run_matches_the_clis .*\.\.\. ok/, stderr.slice(-3000));
  } catch (error) {
    const output = String((error as { stderr?: string }).stderr ?? error);
    assert.fail(`plugin tests failed:\n${output.slice(-6000)}`);
  }
});
