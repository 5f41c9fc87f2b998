// A dry-run build for this machine (host Python and architecture, so the stub
// tests can run it), its package and layer unzipped as Lambda would.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, runCli, testPythonVersion } from "./cli.ts";

export interface HostBuild {
  /** The dry run's --out. */
  out: string;
  /** The unzipped package (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  /** The unzipped layer (its python/ is /opt/python). */
  layerDir: string;
  /** What the CLI printed, stdout then stderr. */
  output: string;
}

function only(directory: string): string {
  const names = readdirSync(directory);
  assert.equal(names.length, 1, `expected one artifact in ${directory}, found ${names.join(", ")}`);
  return join(directory, names[0]!);
}

/** update-stack SITE ARGS --dry-run into dir/out-LABEL, unzipped into dir/task-LABEL and dir/layer-LABEL. */
export async function buildForHost(dir: string, label: string, site: string, args: string[]): Promise<HostBuild> {
  const out = join(dir, `out-${label}`);
  const hostArch = process.arch === "arm64" ? "arm64" : "x86_64";
  const result = await runCli(
    ["update-stack", site, ...args, "--runtime", `python${testPythonVersion()}`, "--arch", hostArch, "--dry-run", "--out", out],
    { env: cliEnv() },
  );
  assert.equal(result.code, 0, result.stderr);
  const taskRoot = join(dir, `task-${label}`);
  const layerDir = join(dir, `layer-${label}`);
  execFileSync("unzip", ["-q", only(join(out, "artifacts", "package")), "-d", taskRoot]);
  execFileSync("unzip", ["-q", only(join(out, "artifacts", "layer")), "-d", layerDir]);
  return { out, taskRoot, layerDir, output: result.stdout + result.stderr };
}
