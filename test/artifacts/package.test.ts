import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildPackage, stubFiles } from "../../src/artifacts/package.ts";
import { cachedPackage, PACKAGES_KEPT, pruneOld, useCached } from "../../src/artifacts/package-cache.ts";
import { findPython } from "../../src/artifacts/python.ts";
import { inspectDatabase } from "../../src/inputs/databases.ts";
import { checkOptions, createPlan } from "../../src/plan/plan.ts";
import type { DeployPlan } from "../../src/plan/types.ts";
import { cliEnv, testPythonVersion } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const hostPython = testPythonVersion();

async function plan(databases: string[], options = {}): Promise<DeployPlan> {
  const inputs = [];
  for (const file of databases) inputs.push(await inspectDatabase(file));
  return createPlan({
    options: checkOptions("pkgtest", { runtime: `python${hostPython}`, ...options }),
    databases: inputs,
    metadata: { title: "T" },
    requirements: [],
    layerBytes: 0,
    stubBytes: 0,
  });
}

const listing = (zip: string) => execFileSync("unzip", ["-Z1", zip]).toString().trim().split("\n");

test("the package holds the stub, manifest, inline databases and unchecked-hash .pyc; rebuilding gives the same bytes", async () => {
  const db = makeDatabase(join(dir, "fixtures.db"), { items: 3 });
  const p = await plan([db]);
  const python = await findPython(hostPython, cliEnv());
  assert.ok(python, "the host Python is found for compiling");
  const first = await buildPackage({ plan: p, path: join(dir, "a.zip"), python });
  utimesSync(db, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const second = await buildPackage({ plan: p, path: join(dir, "b.zip"), python });
  assert.equal(second.sha256, first.sha256, "compiled package is deterministic");

  const names = listing(first.path);
  for (const file of await stubFiles()) assert.ok(names.includes(file), file);
  assert.ok(
    names.includes("datasette_lambda/handler.py") && !names.some((name) => /^[^/]+\.py$/.test(name)),
    "the runtime is one package, nothing flat at the root",
  );
  assert.ok(names.includes("manifest.json"));
  assert.ok(names.includes("databases/fixtures.db"));
  assert.ok(!names.some((name) => name.startsWith("tests/") || name.includes("/tests/")), "no stub tests shipped");
  const pycs = names.filter((name) => name.endsWith(".pyc"));
  assert.ok(pycs.length >= (await stubFiles()).filter((file) => file.endsWith(".py")).length);
  assert.ok(names.includes("datasette_lambda/contract/names.json"), "the name rule the runtime reads");
  const flags = execFileSync("unzip", ["-p", first.path, pycs[0]!]).subarray(4, 8).readUInt32LE(0);
  assert.equal(flags, 0b01, "PEP 552 unchecked hash-based .pyc");

  const external = await buildPackage({ plan: await plan([db], { external: true }), path: join(dir, "c.zip"), python });
  assert.ok(!listing(external.path).some((name) => name.startsWith("databases/")));
});

test("the package cache reuses an identical build, misses on any change, and stays bounded", async () => {
  const cacheDir = join(dir, "cache");
  const db = makeDatabase(join(dir, "cached.db"), { items: 2 });
  const p = await plan([db]);
  const first = await cachedPackage({ plan: p, python: null, compiledWith: null, cacheDir });
  assert.equal(first.fromCache, false);
  const again = await cachedPackage({ plan: p, python: null, compiledWith: null, cacheDir });
  assert.deepEqual({ ...again, fromCache: false }, first);
  assert.equal(again.fromCache, true);
  const changed = await cachedPackage({ plan: { ...p, metadata: { title: "Other" } }, python: null, compiledWith: null, cacheDir });
  assert.equal(changed.fromCache, false);
  assert.notEqual(changed.sha256, first.sha256);
  for (let i = 0; i < PACKAGES_KEPT + 2; i++) {
    await cachedPackage({ plan: { ...p, metadata: { title: `n${i}` } }, python: null, compiledWith: null, cacheDir });
  }
  assert.equal(readdirSync(join(cacheDir, "packages")).filter((n) => n.endsWith(".zip")).length, PACKAGES_KEPT);
});

test("pruning the package cache skips a zip another run deleted meanwhile, and still keeps the newest", async () => {
  const packages = join(dir, "racing-cache", "packages");
  mkdirSync(packages, { recursive: true });
  const zips = Array.from({ length: PACKAGES_KEPT + 2 }, (_, i) => `p${i}.zip`);
  zips.forEach((name, i) => {
    writeFileSync(join(packages, name), "zip");
    utimesSync(join(packages, name), 1_000 + i, 1_000 + i); // p0 the oldest
  });
  // Listed, but gone by the time it is looked at (stat fails with ENOENT), as when another CLI pruned it first.
  symlinkSync(join(packages, "deleted-meanwhile"), join(packages, "gone.zip"));
  await pruneOld(packages);
  const left = readdirSync(packages).filter((name) => name.endsWith(".zip") && name !== "gone.zip");
  assert.deepEqual(left.sort(), zips.slice(2).sort());
});

test("a cached package is used and marked recently used; one pruned by another CLI after the check is a miss, not an error", async () => {
  const packages = join(dir, "hit-cache");
  mkdirSync(packages, { recursive: true });
  const zip = join(packages, "k.zip");
  const info = join(packages, "k.json");
  writeFileSync(zip, "zip");
  writeFileSync(info, JSON.stringify({ bytes: 3, sha256: "ab", unzippedBytes: 9 }));
  utimesSync(zip, 1_000, 1_000);
  assert.deepEqual(await useCached(zip, info), { bytes: 3, sha256: "ab", unzippedBytes: 9 });
  assert.ok(statSync(zip).mtimeMs > 1_000_000, "touched: the newest for pruning");
  // The other CLI's pruning removes the zip, then its info: between the two, or after, it is a miss.
  rmSync(info);
  assert.equal(await useCached(zip, info), undefined);
  rmSync(zip);
  assert.equal(await useCached(zip, info), undefined);
});
