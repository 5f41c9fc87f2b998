// Finding a Python of the runtime's minor version, and compiling with it.
// A .pyc only helps when compiled by the same minor version Lambda runs
// (its task root is read-only, so a mismatched cache is recompiled on every
// cold start); and fixed zip timestamps would make ordinary .pyc files stale,
// so they are compiled with unchecked hashes (PEP 552).
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function versionOf(python: string): Promise<string | null> {
  try {
    const { stdout } = await run(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { timeout: 15_000 });
    return stdout.trim();
  } catch {
    return null;
  }
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
