// The stub, for real: its own test suite with the venv's Datasette, then the
// same suite against packages and layers built by the CLI for this machine
// (host platform, host Python), unzipped as Lambda would: this is the test
// that says a package actually serves. Spec: stub/tests/FIXTURES.md.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, TEST_PYTHON } from "../_helpers/cli.ts";
import { buildForHost } from "../_helpers/host-build.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const run = promisify(execFile);
const python = TEST_PYTHON;
const dir = tempDir("dl-stub-");

/** Runs the stub's unittest suite; returns its summary line. Fails the test on any failure. */
async function stubSuite(env: Record<string, string> = {}): Promise<string> {
  try {
    const { stderr } = await run(python, ["-m", "unittest", "discover", "-v", "-s", "stub/tests"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 32 * 1024 * 1024,
    });
    const summary = stderr.trim().split("\n").slice(-3).join(" | ");
    assert.match(stderr, /\nOK/, summary);
    if (env.DL_TASK_ROOT) {
      // The checks of the built package itself must have run, not been skipped.
      const ran = stderr.split("\n").filter((line) => /BuiltPackage\)?.*\.\.\. ok$/.test(line));
      assert.ok(ran.length >= 5, `package checks did not run:\n${stderr.slice(-3000)}`);
    }
    return summary;
  } catch (error) {
    const output = String((error as { stderr?: string }).stderr ?? error);
    assert.fail(`stub tests failed:\n${output.slice(-6000)}`);
  }
}

test("stub suite with the venv's Datasette (mode a)", async () => {
  await stubSuite();
});

test("a CLI-built package and layer serve: inline, --cors --prefix x (build A)", async () => {
  const fixtures = join(dir, "fixtures");
  execFileSync(python, ["stub/tests/fixture_databases.py", fixtures], { cwd: REPO_ROOT });
  const { taskRoot, layerDir } = await buildForHost(dir, "a", "stubtest", [join(fixtures, "fixtures.db"), "--cors", "--prefix", "x"]);
  await stubSuite({ DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir });
});

test("a CLI-built package serves databases fetched from S3 (moto): --external (build B)", async () => {
  const fixtures = join(dir, "fixtures-b");
  execFileSync(python, ["stub/tests/fixture_databases.py", fixtures], { cwd: REPO_ROOT });
  const { out, taskRoot, layerDir } = await buildForHost(dir, "b", "stubtest", [
    join(fixtures, "fixtures.db"),
    join(fixtures, "remote.db"),
    "--external",
  ]);
  await stubSuite({ DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir, DL_ARTIFACTS_DIR: join(out, "artifacts") });
});
