// --install WHEEL for real: a tiny Datasette plugin built as a wheel here (no
// network), installed by the CLI into a layer for this machine, and served by
// the built package through the handler: /-/plugins.json lists it and its
// route answers (stub/tests/test_installed_plugin.py). The layer build needs
// uv and PyPI for Datasette (cached after the first run).
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, TEST_PYTHON, cliEnv, runCli, testPythonVersion } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const run = promisify(execFile);
const dir = tempDir("dl-installed-plugin-");
const VERSION = "0.1";

function only(directory: string): string {
  const names = readdirSync(directory);
  assert.equal(names.length, 1, `expected one artifact in ${directory}, found ${names.join(", ")}`);
  return join(directory, names[0]!);
}

test("an --install'ed plugin wheel is in /-/plugins.json and its route works, served by the built package", async () => {
  const wheel = execFileSync(TEST_PYTHON, ["stub/tests/plugin_wheel.py", join(dir, "dist"), VERSION], { cwd: REPO_ROOT }).toString().trim();
  const db = makeDatabase(join(dir, "plugged.db"), { items: 2 });
  const out = join(dir, "out");
  const hostArch = process.arch === "arm64" ? "arm64" : "x86_64";
  const result = await runCli(
    ["update-stack", "stubtest", db, "--install", wheel, "--runtime", `python${testPythonVersion()}`, "--arch", hostArch, "--dry-run", "--out", out],
    { env: cliEnv() },
  );
  assert.equal(result.code, 0, result.stderr);

  const taskRoot = join(dir, "task");
  const layerDir = join(dir, "layer");
  execFileSync("unzip", ["-q", only(join(out, "artifacts", "package")), "-d", taskRoot]);
  execFileSync("unzip", ["-q", only(join(out, "artifacts", "layer")), "-d", layerDir]);
  const distInfo = join(layerDir, "python", `datasette_lambda_test_plugin-${VERSION}.dist-info`);
  // What the installer records of a local file (its path, its mtime) is not shipped: the layer depends on the wheel's content only.
  assert.deepEqual(readdirSync(distInfo).sort(), ["METADATA", "WHEEL", "entry_points.txt"]);

  let stderr: string;
  try {
    ({ stderr } = await run(TEST_PYTHON, ["-m", "unittest", "discover", "-v", "-s", "stub/tests", "-p", "test_installed_plugin.py"], {
      cwd: REPO_ROOT,
      env: { ...process.env, DL_TASK_ROOT: taskRoot, DL_LAYER_DIR: layerDir, DL_INSTALLED_PLUGIN: VERSION },
    }));
  } catch (error) {
    assert.fail(`installed-plugin tests failed:\n${String((error as { stderr?: string }).stderr ?? error).slice(-6000)}`);
  }
  // They must have run, not been skipped.
  const ran = stderr.split("\n").filter((line) => /InstalledPlugin\)?.*\.\.\. ok$/.test(line));
  assert.equal(ran.length, 3, stderr);
});
