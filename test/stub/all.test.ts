// The stub's own test suite (stub/tests), all of it, with the venv's Datasette
// and the stub's sources (mode a of stub/tests/FIXTURES.md), run by pytest: each
// Python test is a subtest here. The same tests against packages the CLI built
// are in built-package.test.ts and built-options.test.ts.
import { test } from "node:test";
import { pytestSubtests } from "../_helpers/pytest.ts";

// Named to start early: node --test starts a tier's files in path order (this one beside test/plugin/'s), and it is
// the stub tier's longest.
test("stub suite with the venv's Datasette (mode a)", async (t) => {
  // Two worker processes (pytest-xdist), a module at a time each: the longest file of its tier, on both cores.
  await pytestSubtests(t, ["stub/tests", "-n", "2", "--dist", "loadfile"]);
});
