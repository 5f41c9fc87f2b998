// The host Python environment that runs the converter (datasette_lambda.convert) on the user's machine:
// the converter's packages (their pins are stub/requirements.txt's, so the CLI
// and the converter function in AWS convert alike), installed once for the
// host's Python with uv (else pip) into the cache, keyed by what decides them.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { UserError } from "../errors.ts";
import { sha256 } from "../util/sha256.ts";
import { cacheDirectory } from "./layer.ts";
import { readStubRequirements } from "./package.ts";
import { chooseInstaller as chooseInstallerFor, outputOf, versionOf } from "./python.ts";
import { projectName } from "../plan/install.ts";

const run = promisify(execFile);
/** Bump when the environment's layout changes, to invalidate caches. */
const ENV_FORMAT = 1;
/** The converter's own packages; the other lines of stub/requirements.txt (Datasette, Mangum) it does not need. */
export const CONVERTER_PACKAGES = ["sqlite-utils", "openpyxl", "python-frontmatter", "pyyaml"];
/** sqlite-utils 4 and python-frontmatter 1.3 need Python 3.10+. */
const MIN_PYTHON: [number, number] = [3, 10];

/** The converter's pinned lines of the stub's requirements (pure). */
export function converterRequirements(stubRequirements: string[]): string[] {
  const lines = stubRequirements.filter((line) => CONVERTER_PACKAGES.includes(projectName(line)));
  const missing = CONVERTER_PACKAGES.filter((name) => !lines.some((line) => projectName(line) === name));
  if (missing.length > 0) throw new Error(`stub/requirements.txt does not pin ${missing.join(", ")} (a datasette-lambda bug)`);
  return lines;
}

export function converterEnvKey(requirements: string[], pythonVersion: string, platform = `${process.platform}-${process.arch}`): string {
  return sha256(JSON.stringify({ format: ENV_FORMAT, requirements: [...requirements].sort(), pythonVersion, platform })).slice(0, 32);
}

/** The installer command line for the host (pure). */
export function hostInstallCommand(tool: "uv" | "pip", python: string, target: string, requirementsFile: string): [string, string[]] {
  if (tool === "uv") {
    return ["uv", ["pip", "install", "--quiet", "--python", python, "--target", target, "--compile-bytecode", "-r", requirementsFile]];
  }
  return [python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", target, "-r", requirementsFile]];
}

export interface HostPython {
  python: string;
  /** "3.11" */
  version: string;
}

/** A Python 3.10+ on this machine: DATASETTE_LAMBDA_CONVERT_PYTHON, python3, python, or one uv knows. */
export async function findHostPython(env: NodeJS.ProcessEnv = process.env): Promise<HostPython> {
  const candidates = [...(env.DATASETTE_LAMBDA_CONVERT_PYTHON ? [env.DATASETTE_LAMBDA_CONVERT_PYTHON] : []), "python3", "python"];
  for (let i = 0; i <= candidates.length; i++) {
    // Last, one uv manages: asked only when PATH has none.
    const python = candidates[i] ?? (await outputOf("uv", ["python", "find", `>=${MIN_PYTHON.join(".")}`, "--no-python-downloads"], env));
    if (!python) continue;
    const version = await versionOf(python, env);
    if (!version) continue;
    const [major, minor] = version.split(".").map(Number) as [number, number];
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) return { python, version };
  }
  throw new UserError(`converting data files needs Python ${MIN_PYTHON.join(".")} or newer, and none was found`, {
    hint:
      "Install Python 3 (e.g. `uv python install 3.13`, or your system's python3 package), " +
      "or set DATASETTE_LAMBDA_CONVERT_PYTHON to one.",
  });
}

export function chooseInstaller(python: string, env: NodeJS.ProcessEnv = process.env): Promise<"uv" | "pip"> {
  return chooseInstallerFor(
    python,
    env,
    () =>
      new UserError("converting data files needs uv or pip to install the converter's packages, and neither was found", {
        hint: "Install uv (https://docs.astral.sh/uv/, e.g. `pip install uv`) or pip for your Python, then run again.",
      }),
  );
}

export interface ConverterEnvironment {
  python: string;
  /** Goes on PYTHONPATH: the converter's packages. */
  sitePackages: string;
  fromCache: boolean;
}

/** The converter's environment for this machine, installed into the cache the first time. */
export async function converterEnvironment(
  options: { env?: NodeJS.ProcessEnv; log?: (message: string) => void } = {},
): Promise<ConverterEnvironment> {
  const env = options.env ?? process.env;
  const host = await findHostPython(env);
  const requirements = converterRequirements(await readStubRequirements());
  const dir = join(cacheDirectory(env), `converter-${converterEnvKey(requirements, host.version)}`);
  if (existsSync(dir)) return { python: host.python, sitePackages: dir, fromCache: true };

  const installer = await chooseInstaller(host.python, env);
  await mkdir(cacheDirectory(env), { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  try {
    await mkdir(partial);
    const requirementsFile = join(partial, ".requirements.txt");
    await writeFile(requirementsFile, `${requirements.join("\n")}\n`);
    options.log?.(`installing the converter (${requirements.join(", ")}) for Python ${host.version} with ${installer}`);
    const [command, args] = hostInstallCommand(installer, host.python, partial, requirementsFile);
    try {
      await run(command, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? "")
        .trim()
        .split("\n")
        .slice(-2)
        .join(" ");
      throw new UserError(`installing the converter's packages with ${installer} failed: ${stderr || (error as Error).message}`, {
        hint: "Check your network access to PyPI and run again (the packages are installed once, then cached).",
        cause: error,
      });
    }
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      // Another run installed the same environment first: use theirs.
      if (!existsSync(dir)) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { python: host.python, sitePackages: dir, fromCache: false };
}
