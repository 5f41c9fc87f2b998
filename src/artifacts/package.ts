// The function package: the stub's Python files, manifest.json, the inline
// databases under databases/, --plugins-dir/--template-dir/--static under site/, and the stub's .pyc when a matching Python
// exists. Deterministic, so an unchanged site has an unchanged S3 key.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { buildManifest, serializeManifest } from "../plan/manifest.ts";
import type { DeployPlan } from "../plan/types.ts";
import { assetEntries } from "./asset-entries.ts";
import { compileTree } from "./python.ts";
import { directoryEntries, writeZip, type ZipEntry, type ZipResult } from "./zip.ts";

export const STUB_DIR = new URL("../../stub/", import.meta.url);

/** The stub's modules: every .py directly in stub/ (tests live below it). */
export async function stubFiles(): Promise<string[]> {
  const names = await readdir(STUB_DIR);
  return names.filter((name) => name.endsWith(".py")).sort().map((name) => join(fileURLToPath(STUB_DIR), name));
}

/** Size of the stub code (for the placement decision, before the package exists). */
export async function stubBytes(): Promise<number> {
  let total = 0;
  for (const file of await stubFiles()) total += (await readFile(file)).length * 3; // source + .pyc, generously
  return total + 1024 * 1024; // the manifest and zip overhead
}

export async function readStubRequirements(): Promise<string[]> {
  const text = await readFile(new URL("requirements.txt", STUB_DIR), "utf8");
  return text.split("\n").map((line) => line.replace(/#.*/, "").trim()).filter(Boolean);
}

export interface PackageOptions {
  plan: DeployPlan;
  /** Where to write the zip. */
  path: string;
  /** Interpreter matching the runtime, or null to ship sources only. */
  python: string | null;
  compressionLevel?: number;
}

export async function buildPackage(options: PackageOptions): Promise<ZipResult> {
  const staging = await mkdtemp(join(tmpdir(), "datasette-lambda-package-"));
  try {
    for (const file of await stubFiles()) await copyFile(file, join(staging, file.split("/").at(-1)!));
    await writeFile(join(staging, "manifest.json"), serializeManifest(buildManifest(options.plan)));
    if (options.python) await compileTree(options.python, staging, "/var/task");
    const entries: ZipEntry[] = [
      ...(await directoryEntries(staging)),
      ...options.plan.databases
        .filter((db) => db.location === "inline")
        .map((db) => ({ name: `databases/${db.fileName}`, source: db.path })),
      ...(await assetEntries(options.plan.assets)),
    ];
    return await writeZip(entries, options.path, { compressionLevel: options.compressionLevel });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
