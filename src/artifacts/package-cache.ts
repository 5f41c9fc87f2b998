// A cache of built packages, keyed by everything that goes into one: the
// manifest (which names each inline database by its sha256), the stub's
// code, the files of --plugins-dir/--template-dir/--static, and the Python that compiled it. A re-deploy of unchanged input then
// skips re-compressing its databases (seconds for 100 MB), which is most of
// the time a no-op deploy would take.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildManifest, serializeManifest } from "../plan/manifest.ts";
import type { DeployPlan } from "../plan/types.ts";
import { sha256 } from "../util/sha256.ts";
import { assetDigest } from "./asset-entries.ts";
import { buildPackage, STUB_DIR, stubFiles } from "./package.ts";
import type { ZipResult } from "./zip.ts";

/** Bump when the package's layout changes (2: the runtime as the datasette_lambda package). */
const PACKAGE_FORMAT = 2;
/** Packages kept, most recently used first: enough for a few sites, bounded on disk. */
export const PACKAGES_KEPT = 6;

export async function packageCacheKey(plan: DeployPlan, compiledWith: string | null): Promise<string> {
  const stub: Array<[string, string]> = [];
  for (const file of await stubFiles()) stub.push([file, sha256(await readFile(new URL(file, STUB_DIR)))]);
  const assets = await assetDigest(plan.assets);
  return sha256(
    JSON.stringify({ format: PACKAGE_FORMAT, manifest: serializeManifest(buildManifest(plan)), stub, assets, compiledWith }),
  ).slice(0, 32);
}

/** Keeps the PACKAGES_KEPT most recently used packages. Another CLI sharing the cache may prune at the same time. */
export async function pruneOld(dir: string): Promise<void> {
  const zips = (await readdir(dir)).filter((name) => name.endsWith(".zip"));
  const dated = await Promise.all(
    // A zip another run deleted since readdir is simply not counted.
    zips.map(async (name) => ({ name, time: (await stat(join(dir, name)).catch(ignoreMissing))?.mtimeMs })),
  );
  const present = dated.filter((entry): entry is { name: string; time: number } => entry.time !== undefined);
  for (const { name } of present.sort((a, b) => b.time - a.time).slice(PACKAGES_KEPT)) {
    await rm(join(dir, name), { force: true });
    await rm(join(dir, name.replace(/\.zip$/, ".json")), { force: true });
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw error;
}

export interface CachedPackage extends ZipResult {
  fromCache: boolean;
}

/** The package for this plan: from the cache when built before, else built into it. */
export async function cachedPackage(options: {
  plan: DeployPlan;
  python: string | null;
  compiledWith: string | null;
  cacheDir: string;
}): Promise<CachedPackage> {
  const dir = join(options.cacheDir, "packages");
  const key = await packageCacheKey(options.plan, options.compiledWith);
  const zipPath = join(dir, `${key}.zip`);
  const infoPath = join(dir, `${key}.json`);
  const cached = await useCached(zipPath, infoPath);
  if (cached) return { ...cached, path: zipPath, fromCache: true };
  await mkdir(dir, { recursive: true });
  const partial = `${zipPath}.partial-${process.pid}`;
  const partialInfo = `${infoPath}.partial-${process.pid}`;
  try {
    const built = await buildPackage({ plan: options.plan, path: partial, python: options.python });
    // The info first, each file renamed into place whole: a zip that exists always has its info.
    await writeFile(partialInfo, JSON.stringify({ bytes: built.bytes, sha256: built.sha256, unzippedBytes: built.unzippedBytes }));
    await rename(partialInfo, infoPath);
    await rename(partial, zipPath);
    await pruneOld(dir);
    return { ...built, path: zipPath, fromCache: false };
  } finally {
    await rm(partial, { force: true });
    await rm(partialInfo, { force: true });
  }
}

/**
 * A cached package's info, the zip marked most recently used; undefined when it is not there,
 * or when another CLI sharing the cache pruned it between the check and the touch (then it is built again).
 */
export async function useCached(zipPath: string, infoPath: string): Promise<Omit<ZipResult, "path"> | undefined> {
  if (!existsSync(zipPath)) return undefined;
  try {
    const info = JSON.parse(await readFile(infoPath, "utf8")) as Omit<ZipResult, "path">;
    const now = new Date();
    await utimes(zipPath, now, now);
    return info;
  } catch (error) {
    return ignoreMissing(error);
  }
}
