// `npm pack` of this checkout, as a release would make it, one run at a time:
// its prepack script recompiles dist/, and two at once (test files run in
// parallel) could pack a file the other is rewriting.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { REPO_ROOT } from "./cli.ts";

const run = promisify(execFile);
const LOCK = join(REPO_ROOT, ".cache", "npm-pack.lock");
/** A lock this old was left by a killed run. */
const STALE_MS = 10 * 60 * 1000;

export interface Packed {
  /** The .tgz written. */
  tarball: string;
  /** What it holds, as npm lists it: paths relative to the package root. */
  files: string[];
}

async function takeLock(): Promise<void> {
  mkdirSync(join(REPO_ROOT, ".cache"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: only one process creates it
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    await sleep(250);
  }
}

/** `npm pack --json` into destination (prepack included). */
export async function npmPack(destination: string, options: { dryRun?: boolean } = {}): Promise<Packed> {
  await takeLock();
  try {
    const args = ["pack", "--json", "--pack-destination", destination, ...(options.dryRun ? ["--dry-run"] : [])];
    const { stdout } = await run("npm", args, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [result] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return { tarball: join(destination, result!.filename), files: result!.files.map((file) => file.path).sort() };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
