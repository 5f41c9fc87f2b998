import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { MB } from "../../src/plan/limits.ts";
import {
  biggestPackages,
  checkLayerRoom,
  checkPackageLimits,
  ephemeralStorageFor,
  placeDatabases,
  type LayerContents,
} from "../../src/plan/placement.ts";
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
  const placement = placeDatabases({
    databases: [db("a", 10 * MB), db("b", 20 * MB)],
    external: false,
    layerBytes: 40 * MB,
    stubBytes: MB,
    downloads: true,
  });
  assert.deepEqual(
    placement.databases.map((d) => d.location),
    ["inline", "inline"],
  );
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

test("--in-place: S3 databases of any size, /tmp at its minimum (nothing is downloaded); the inline rule is unchanged", () => {
  const databases = [db("small", 1024), db("huge", 50 * 1024 * MB)];
  const placement = placeDatabases({ databases, external: false, layerBytes: 40 * MB, stubBytes: MB, downloads: true, inPlace: true });
  assert.deepEqual(
    placement.databases.map((d) => [d.name, d.location]),
    [
      ["small", "inline"],
      ["huge", "s3"],
    ],
  );
  assert.equal(placement.ephemeralStorageMb, 512);
  // The same databases downloaded would not fit in /tmp, and the refusal names --in-place.
  assert.throws(
    () => placeDatabases({ databases, external: false, layerBytes: 40 * MB, stubBytes: MB, downloads: true }),
    (error: unknown) => error instanceof UserError && /--in-place/.test(error.hint ?? ""),
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

const heavy: LayerContents = {
  packages: [
    { name: "pandas", bytes: 61.2 * MB },
    { name: "numpy", bytes: 38 * MB },
    { name: "pyarrow", bytes: 33.1 * MB },
    { name: "datasette", bytes: 1.3 * MB },
  ],
  install: ["Pandas>=2.2", "datasette-parquet"],
  arch: "arm64",
};

test("the biggest packages are named with sizes, biggest first, marking those from --install", () => {
  assert.equal(biggestPackages(heavy), "biggest packages: pandas 61.2 MB, numpy 38.0 MB, pyarrow 33.1 MB (from --install: pandas)");
  assert.equal(biggestPackages({ ...heavy, install: [] }), "biggest packages: pandas 61.2 MB, numpy 38.0 MB, pyarrow 33.1 MB");
  assert.equal(biggestPackages({ ...heavy, packages: heavy.packages.slice(3) }), "biggest packages: datasette 1.3 MB");
  assert.equal(biggestPackages({ ...heavy, packages: [] }), "");
  assert.equal(biggestPackages(undefined), "");
});

test("a layer that leaves no room names its biggest packages and says what to drop", () => {
  checkLayerRoom(200 * MB, MB, heavy);
  assert.throws(
    () => placeDatabases({ databases: [], external: false, layerBytes: 245 * MB, stubBytes: MB, layer: heavy, downloads: true }),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(
        error.message,
        "the dependency layer (245.0 MB unzipped) leaves no room under Lambda's 250 MB unzipped limit for function and layers; " +
          "biggest packages: pandas 61.2 MB, numpy 38.0 MB, pyarrow 33.1 MB (from --install: pandas)",
      );
      assert.match(
        error.hint ?? "",
        /^Drop or replace one of --install pandas, datasette-parquet .*; --arch x86_64 is sometimes smaller\. --external does not help/,
      );
      return true;
    },
  );
  assert.throws(
    () => checkLayerRoom(245 * MB, MB, { ...heavy, install: [], arch: "x86_64" }),
    (error: unknown) =>
      error instanceof UserError &&
      !/--arch/.test(error.hint ?? "") &&
      /^Install fewer or smaller Python packages\./.test(error.hint ?? ""),
  );
});

test("a package and layer over the limit name the layer's biggest packages; the bigger part's advice comes first", () => {
  assert.throws(
    () => checkPackageLimits({ packageUnzippedBytes: 200 * MB, layerUnzippedBytes: 60 * MB, layer: heavy }),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        new RegExp(
          /come to 260\.0 MB unzipped, over Lambda's 250 MB limit for function and layers; /.source +
            /biggest packages: pandas 61\.2 MB, numpy 38\.0 MB, pyarrow 33\.1 MB \(from --install: pandas\)$/.source,
        ),
      );
      assert.match(
        error.hint ?? "",
        new RegExp(
          /^Pass --external to keep the databases in S3 instead of the package; /.source +
            /or drop or replace one of --install pandas, datasette-parquet/.source,
        ),
      );
      return true;
    },
  );
  assert.throws(
    () => checkPackageLimits({ packageUnzippedBytes: 20 * MB, layerUnzippedBytes: 235 * MB, layer: heavy }),
    (error: unknown) => error instanceof UserError && /^Drop or replace one of --install .*; or pass --external/.test(error.hint ?? ""),
  );
});
