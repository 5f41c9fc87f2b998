// Finding a Python of the runtime's minor version, and compiling with it.
// A .pyc only helps when compiled by the same minor version Lambda runs
// (its task root is read-only, so a mismatched cache is recompiled on every
// cold start); and fixed zip timestamps would make ordinary .pyc files stale,
// so they are compiled with unchecked hashes (PEP 552).
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Builds the layer's compiled Jinja templates (see the module's docstring), run from STUB_ROOT. */
const TEMPLATE_CACHE_MODULE = "datasette_lambda.start.template_cache";
const STUB_ROOT = fileURLToPath(new URL("../../stub/", import.meta.url));

/** The trimmed stdout of a command that succeeds; null when it cannot run or fails. */
export async function outputOf(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  try {
    return (await run(command, args, { env, timeout: 20_000 })).stdout.trim();
  } catch {
    return null;
  }
}

/** "3.13" for a Python that runs, else null. */
export function versionOf(python: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return outputOf(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], env);
}

/** uv when it is on PATH, else `python -m pip`; neither: `missing` (a UserError saying what needed them). */
export async function chooseInstaller(python: string, env: NodeJS.ProcessEnv, missing: () => Error): Promise<"uv" | "pip"> {
  if ((await outputOf("uv", ["--version"], env)) !== null) return "uv";
  if ((await outputOf(python, ["-m", "pip", "--version"], env)) !== null) return "pip";
  throw missing();
}

function pyenvCandidates(version: string, env: NodeJS.ProcessEnv): string[] {
  const root = env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  const versions = join(root, "versions");
  if (!existsSync(versions)) return [];
  return readdirSync(versions)
    .filter((name) => name === version || name.startsWith(`${version}.`))
    .sort()
    .reverse()
    .map((name) => join(versions, name, "bin", `python${version}`));
}

async function uvFind(version: string): Promise<string[]> {
  try {
    const { stdout } = await run("uv", ["python", "find", version, "--no-python-downloads"], { timeout: 15_000 });
    return [stdout.trim()];
  } catch {
    return [];
  }
}

/** A Python interpreter of exactly this minor version ("3.13"), or null. */
export async function findPython(version: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const candidates = [
    ...(env.DATASETTE_LAMBDA_COMPILE_PYTHON ? [env.DATASETTE_LAMBDA_COMPILE_PYTHON] : []),
    `python${version}`,
    "python3",
    ...(await uvFind(version)),
    ...pyenvCandidates(version, env),
  ];
  for (const candidate of candidates) {
    if ((await versionOf(candidate)) === version) return candidate;
  }
  return null;
}

/**
 * Compiles every .py under dir into __pycache__, unchecked-hash, with
 * tracebacks showing `runtimeDir` (e.g. /opt/python) instead of our temp dir.
 */
export async function compileTree(python: string, dir: string, runtimeDir: string): Promise<void> {
  await run(
    python,
    ["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", "-s", dir, "-p", runtimeDir, dir],
    // A fixed hash seed keeps marshalled sets/frozensets in the same order run to run.
    { env: { ...process.env, PYTHONHASHSEED: "0" }, maxBuffer: 16 * 1024 * 1024 },
  );
}

/**
 * Compiles the Jinja templates of the Datasette installed in dir (a layer's python/)
 * into dir/datasette_lambda_templates, with file names as Lambda will see them
 * (runtimeDir, e.g. /opt/python). The stub attaches them when they fit its Datasette
 * (stub/datasette_lambda/start/template_cache.py), saving the template compilation of each new instance's
 * first requests. Run with -S and -B: the layer's packages only, nothing written but the
 * cache; a fixed hash seed keeps the output byte-for-byte the same run to run.
 */
export async function compileTemplates(python: string, dir: string, runtimeDir: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONHASHSEED: "0" };
  delete env.PYTHONPATH;
  delete env.PYTHONUSERBASE;
  delete env.PYTHONSAFEPATH; // -m then puts the working directory, stub/, first on sys.path
  await run(python, ["-S", "-B", "-m", TEMPLATE_CACHE_MODULE, "build", dir, runtimeDir], {
    cwd: STUB_ROOT,
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
}
