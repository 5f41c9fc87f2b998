// The stub, for real: packages and layers built by the CLI for this machine
// (host platform, host Python), unzipped as Lambda would, serve. This is the test
// that says a package actually serves. Only the stub tests whose outcome a build
// can change run here (pytest markers, stub/tests/FIXTURES.md): `package` (what
// the package holds, served through the handler) against every build, `layer`
// (the built code on the built layer) once per distinct layer. The rest of the
// suite runs once, in all.test.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, TEST_PYTHON } from "../_helpers/cli.ts";
import { tempDir } from "../_helpers/fixtures.ts";
import { buildForHost, type HostBuild } from "../_helpers/host-build.ts";
import { passedIds, pytestSubtests } from "../_helpers/pytest.ts";
import type { PythonTestResult } from "../_helpers/junit.ts";

const dir = tempDir("dl-stub-");
const fixtures = join(dir, "fixtures");
execFileSync(TEST_PYTHON, ["stub/tests/fixture_databases.py", fixtures], { cwd: REPO_ROOT });
const db = (name: string) => join(fixtures, `${name}.db`);

// Started now, awaited by the tests. B after A: on a fresh clone, A builds the layer and B finds it in the cache.
const buildA = buildForHost(dir, "a", "stubtest", [db("fixtures"), "--cors", "--prefix", "x"]);
const buildB = buildA.then(() => buildForHost(dir, "b", "stubtest", [db("fixtures"), db("remote"), "--external"]));
// Their failures are reported by the tests that await them.
buildB.catch(() => {});

const PACKAGE_CHECKS = "stub/tests/test_package.py::BuiltPackage::";
const LAYER_CHECKS = ["stub/tests/test_fresh_instances.py::", "stub/tests/test_local_server.py::", "stub/tests/test_readonly_wal.py::"];

function layerZip(build: HostBuild): string {
  return readdirSync(join(build.out, "artifacts", "layer")).join();
}

/** Every selected test ran and passed (none skipped), the package checks and, with layer, each layer module among them. */
function assertRan(results: PythonTestResult[], layer: boolean): void {
  assert.deepEqual(
    results.filter((r) => r.outcome !== "passed").map((r) => `${r.id}: ${r.outcome} ${r.skipReason ?? ""}`),
    [],
    "every selected test must run",
  );
  assert.ok(passedIds(results, PACKAGE_CHECKS).length > 0, `the package checks ran: ${results.map((r) => r.id).join("\n")}`);
  for (const prefix of LAYER_CHECKS) assert.equal(passedIds(results, prefix).length > 0, layer, `${prefix} ran: ${layer}`);
}

test("a CLI-built package and layer serve: inline, --cors --prefix x (build A)", async (t) => {
  const { taskRoot, layerDir } = await buildA;
  const results = await pytestSubtests(t, ["stub/tests", "-m", "package or layer"], { DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir });
  assertRan(results, true);
});

test("a CLI-built package serves databases fetched from S3 (moto): --external (build B)", async (t) => {
  const b = await buildB;
  // The same layer as build A's (its name is its content's hash): its checks ran there.
  const newLayer = layerZip(await buildA) !== layerZip(b);
  t.diagnostic(newLayer ? "a layer of its own: the layer checks run again" : "build A's layer: the package checks only");
  const env = { DL_TASK_ROOT: b.taskRoot, DL_LAYER_DIR: b.layerDir, DL_ARTIFACTS_DIR: join(b.out, "artifacts") };
  const results = await pytestSubtests(t, ["stub/tests", "-m", newLayer ? "package or layer" : "package"], env);
  assertRan(results, newLayer);
});
