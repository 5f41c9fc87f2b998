// The function package: the runtime's Python package (stub/datasette_lambda/), manifest.json, the inline
// databases under databases/, --plugins-dir/--template-dir/--static under site/, and the stub's .pyc when a matching Python
// exists. Deterministic, so an unchanged site has an unchanged S3 key.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, sep } from "node:path";
import { buildManifest, serializeManifest } from "../plan/manifest.ts";
import type { DeployPlan } from "../plan/types.ts";
import { assetEntries } from "./asset-entries.ts";
import { compileTree } from "./python.ts";
import { directoryEntries, writeZip, type ZipEntry, type ZipResult } from "./zip.ts";

export const STUB_DIR = new URL("../../stub/", import.meta.url);

/** The runtime's Python package: its directory under stub/ goes to the package's root as it is. */
export const RUNTIME_PACKAGE = "datasette_lambda";

/**
 * The runtime's files, relative to stub/ (e.g. "datasette_lambda/handler.py"),
 * sorted: every .py and .json under stub/datasette_lambda/ (its modules, and the
 * contract's data: names.json, which the runtime reads, and the schemas). The
 * tests live beside it, in stub/tests/.
 */
export async function stubFiles(): Promise<string[]> {
  const root = fileURLToPath(STUB_DIR);
  const entries = await readdir(join(root, RUNTIME_PACKAGE), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && (entry.name.endsWith(".py") || entry.name.endsWith(".json")))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/** Size of the stub code (for the placement decision, before the package exists). */
export async function stubBytes(): Promise<number> {
  let total = 0;
  for (const file of await stubFiles()) total += (await readFile(new URL(file, STUB_DIR))).length * 3; // source + .pyc, generously
  return total + 1024 * 1024; // the manifest and zip overhead
}

export async function readStubRequirements(): Promise<string[]> {
  const text = await readFile(new URL("requirements.txt", STUB_DIR), "utf8");
  return text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
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
    for (const file of await stubFiles()) {
      await mkdir(dirname(join(staging, file)), { recursive: true });
      await copyFile(new URL(file, STUB_DIR), join(staging, file));
    }
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
