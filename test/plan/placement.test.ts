import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { MB } from "../../src/plan/limits.ts";
import { checkPackageLimits, ephemeralStorageFor, placeDatabases } from "../../src/plan/placement.ts";
import type { DatabaseInput } from "../../src/plan/types.ts";

const db = (name: string, bytes: number): DatabaseInput => ({
  name,
  path: `/data/${name}.db`,
  fileName: `${name}.db`,
  bytes,
  sha256: name.padEnd(64, "0"),
  tables: {},
});

test("small databases go inline, keeping /tmp at its 512 MB minimum", () => {
  const placement = placeDatabases({ databases: [db("a", 10 * MB), db("b", 20 * MB)], external: false, layerBytes: 40 * MB, stubBytes: MB, downloads: true });
  assert.deepEqual(placement.databases.map((d) => d.location), ["inline", "inline"]);
  assert.equal(placement.ephemeralStorageMb, 512);
});

test("inline databases get a copy in the bucket for downloads, unless downloads are off", () => {
  const input = { databases: [db("a", 10 * MB)], external: false, layerBytes: 40 * MB, stubBytes: MB };
  const withDownloads = placeDatabases({ ...input, downloads: true }).databases[0];
  assert.equal(withDownloads?.location, "inline");
  assert.equal(withDownloads?.key, `db/${withDownloads?.sha256}/a.db`);
  const without = placeDatabases({ ...input, downloads: false }).databases[0];
  assert.equal(without?.location, "inline");
  assert.equal(without?.key, undefined);
});

test("databases that would break the 250 MB limit go to S3, smallest stay inline", () => {
  const placement = placeDatabases({
    databases: [db("big", 300 * MB), db("small", 5 * MB), db("medium", 150 * MB)],
    external: false,
    layerBytes: 100 * MB, // leaves 139 MB for databases
    stubBytes: MB,
    downloads: true,
  });
  const where = Object.fromEntries(placement.databases.map((d) => [d.name, d.location]));
  assert.deepEqual(where, { big: "s3", small: "inline", medium: "s3" });
  const big = placement.databases.find((d) => d.name === "big");
  assert.equal(big?.key, `db/${big?.sha256}/big.db`);
  assert.equal(placement.ephemeralStorageMb, Math.ceil((450 * MB * 1.1) / MB) + 256);
});

test("--external puts every database in S3", () => {
  const placement = placeDatabases({ databases: [db("a", 1024)], external: true, layerBytes: 40 * MB, stubBytes: MB, downloads: true });
  assert.equal(placement.databases[0]?.location, "s3");
  assert.equal(placement.ephemeralStorageMb, ephemeralStorageFor(1024));
  assert.equal(ephemeralStorageFor(1024), 512);
});

test("S3 databases beyond Lambda's 10 GB of /tmp are refused", () => {
  assert.throws(
    () => placeDatabases({ databases: [db("huge", 9800 * MB)], external: false, layerBytes: 40 * MB, stubBytes: MB, downloads: true }),
    (error: unknown) => error instanceof UserError && /over Lambda's 10240 MB/.test(error.message),
  );
});

test("a layer that fills the unzipped limit by itself is refused", () => {
  assert.throws(
    () => placeDatabases({ databases: [], external: false, layerBytes: 245 * MB, stubBytes: MB, downloads: true }),
    (error: unknown) => error instanceof UserError && /250 MB unzipped limit/.test(error.message),
  );
});

test("a package over the limit names the limit and suggests --external", () => {
  checkPackageLimits({ packageUnzippedBytes: 100 * MB, layerUnzippedBytes: 100 * MB });
  assert.throws(
    () => checkPackageLimits({ packageUnzippedBytes: 200 * MB, layerUnzippedBytes: 60 * MB }),
    (error: unknown) => error instanceof UserError && /250 MB limit/.test(error.message) && /--external/.test(error.hint ?? ""),
  );
});
