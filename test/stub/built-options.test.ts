// Issue 10's options for real: the CLI builds a site with every datasette publish
// option (stub/tests/built_options_fixture.py's arguments) and --install of a tiny
// plugin wheel built here (stub/tests/plugin_wheel.py, no network), for this
// machine, with and without --prefix; the built package and layer, unzipped,
// are served by the handler (stub/tests/test_built_options.py, and
// test_installed_plugin.py for the wheel). The layer build needs uv and PyPI
// for Datasette (cached after the first run).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { REPO_ROOT, TEST_PYTHON } from "../_helpers/cli.ts";
import { buildForHost, type HostBuild } from "../_helpers/host-build.ts";
import { tempDir } from "../_helpers/fixtures.ts";
import { pytestSubtests } from "../_helpers/pytest.ts";

const dir = tempDir("dl-built-options-");
const VERSION = "0.1";
/** built_options_fixture.PLUGIN_SECRET */
const PLUGIN_SECRET = "plugin-secret-value-7f3a91c2";

/** Builds with the fixture's arguments (and the wheel) for this machine, unzipped. */
async function build(label: string, extra: string[]): Promise<HostBuild> {
  const wheel = execFileSync(TEST_PYTHON, ["stub/tests/plugin_wheel.py", join(dir, "dist"), VERSION], { cwd: REPO_ROOT })
    .toString()
    .trim();
  const args = JSON.parse(
    execFileSync(TEST_PYTHON, ["stub/tests/built_options_fixture.py", join(dir, `site-${label}`), ...extra], { cwd: REPO_ROOT }).toString(),
  ) as string[];
  return buildForHost(dir, label, "stubtest", [...args, "--install", wheel]);
}

/** Runs these stub test modules against the build; every test in them must run (none skipped) and pass. */
async function stubTests(t: TestContext, modules: string[], env: Record<string, string>): Promise<void> {
  const paths = modules.map((name) => `stub/tests/${name}`);
  const results = await pytestSubtests(t, paths, env);
  const notPassed = results.filter((r) => r.outcome !== "passed").map((r) => `${r.id}: ${r.outcome} ${r.skipReason ?? ""}`);
  assert.deepEqual(notPassed, [], "every test must run");
  const silent = paths.filter((path) => !results.some((r) => r.id.startsWith(`${path}::`)));
  assert.deepEqual(silent, [], "modules that ran no test");
}

function assertSecretNowhere(root: string, output: string): void {
  assert.ok(!output.includes(PLUGIN_SECRET), "not in the CLI's output");
  let searched = 0;
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    searched++;
    assert.ok(!readFileSync(path, "latin1").includes(PLUGIN_SECRET), `not in ${name}`);
  }
  assert.ok(searched > 3, `files were searched under ${root}`);
}

// Started now, awaited by the tests; the second after the first, whose layer (the same wheel) it then finds in the cache.
const rootBuild = build("root", []);
const prefixBuild = rootBuild.then(() => build("prefix", ["--prefix", "x"]));
// Their failures are reported by the tests that await them.
prefixBuild.catch(() => {});

test("every datasette publish option, and an --install'ed plugin wheel, work on the built package", async (t) => {
  const { taskRoot, layerDir, out, output } = await rootBuild;
  const distInfo = join(layerDir, "python", `datasette_lambda_test_plugin-${VERSION}.dist-info`);
  // What the installer records of a local file (its path, its mtime) is not shipped: the layer depends on the wheel's content only.
  assert.deepEqual(readdirSync(distInfo).sort(), ["METADATA", "WHEEL", "entry_points.txt"]);
  const env = { DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir, DL_INSTALLED_PLUGIN: VERSION, DL_BUILT_OPTIONS: "1" };
  await stubTests(t, ["test_installed_plugin.py", "test_built_options.py"], env);
  assertSecretNowhere(taskRoot, output);
  assertSecretNowhere(out, "");
});

test("the same options under --prefix x", async (t) => {
  const { taskRoot, layerDir } = await prefixBuild;
  await stubTests(t, ["test_built_options.py"], { DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir, DL_BUILT_OPTIONS: "1" });
});
