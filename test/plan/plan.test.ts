import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { buildManifest, serializeManifest } from "../../src/plan/manifest.ts";
import { checkOptions, createPlan, LARGE_TABLE_ROWS, planWarnings } from "../../src/plan/plan.ts";
import type { DatabaseInput } from "../../src/plan/types.ts";
import { MB } from "../../src/plan/limits.ts";

const db = (name: string, rows: number, bytes = 1024): DatabaseInput => ({
  name, path: `/d/${name}.db`, fileName: `${name}.db`, bytes, sha256: "ab".repeat(32), tables: { t: { count: rows } },
});

const inputs = (options = checkOptions("mysite", {}), databases = [db("fixtures", 3)]) => ({
  options, databases, metadata: { title: "T" }, requirements: ["datasette==0.65.5"], layerBytes: 30 * MB, stubBytes: MB,
});

test("defaults: arm64, python3.13, CDN on, 1024 MB, 30 s, NAME-lambda", () => {
  const plan = createPlan(inputs());
  assert.equal(plan.stackName, "mysite");
  assert.equal(plan.appStackName, "mysite-lambda");
  assert.equal(plan.arch, "arm64");
  assert.equal(plan.runtime, "python3.13");
  assert.equal(plan.pythonVersion, "3.13");
  assert.equal(plan.cdn, true);
  assert.equal(plan.memoryMb, 1024);
  assert.equal(plan.timeoutSeconds, 30);
  assert.deepEqual(plan.settings, {});
  assert.equal(plan.prefix, null);
});

test("--prefix sets base_url; --no-cdn, --cors and settings carry through", () => {
  const options = checkOptions("mysite", { prefix: "/x/", cdn: false, cors: true, config: ["sql_time_limit_ms:3500"], arch: "x86_64" });
  const plan = createPlan(inputs(options));
  assert.deepEqual(plan.settings, { sql_time_limit_ms: 3500, base_url: "/x/" });
  assert.equal(plan.cdn, false);
  assert.equal(plan.cors, true);
  assert.equal(plan.arch, "x86_64");
});

test("facet suggestions are turned off for large tables unless set explicitly", () => {
  assert.equal(createPlan(inputs(undefined, [db("big", LARGE_TABLE_ROWS + 1)])).settings.suggest_facets, false);
  assert.equal(createPlan(inputs(undefined, [db("small", LARGE_TABLE_ROWS)])).settings.suggest_facets, undefined);
  const explicit = checkOptions("mysite", { config: ["suggest_facets:on"] });
  assert.equal(createPlan(inputs(explicit, [db("big", LARGE_TABLE_ROWS + 1)])).settings.suggest_facets, true);
});

test("the manifest carries databases, inspect data, settings; its JSON is stable", () => {
  const options = checkOptions("mysite", { prefix: "x", cors: true, external: true });
  const plan = createPlan(inputs(options, [db("fixtures", 3, 4096)]));
  const manifest = buildManifest(plan);
  assert.deepEqual(manifest.databases, [
    { name: "fixtures", fileName: "fixtures.db", sha256: "ab".repeat(32), bytes: 4096, location: "s3", key: `db/${"ab".repeat(32)}/fixtures.db` },
  ]);
  assert.deepEqual(manifest.inspect, { fixtures: { hash: "ab".repeat(32), size: 4096, file: "fixtures.db", tables: { t: { count: 3 } } } });
  assert.equal(manifest.prefix, "x");
  assert.equal(manifest.settings.base_url, "/x/");
  assert.equal(manifest.cors, true);
  assert.equal(serializeManifest(manifest), serializeManifest(buildManifest(createPlan(inputs(options, [db("fixtures", 3, 4096)])))));
});

test("a database named like the prefix is refused", () => {
  assert.throws(
    () => createPlan(inputs(checkOptions("mysite", { prefix: "data/v1" }), [db("data", 1)])),
    (error: unknown) => error instanceof UserError && /--prefix data\/v1 clashes with the database "data"/.test(error.message),
  );
  assert.equal(createPlan(inputs(checkOptions("mysite", { prefix: "v1/data" }), [db("data", 1)])).prefix, "v1/data");
});

test("a timeout past CloudFront's 60 s is allowed but warned about, unless --no-cdn", () => {
  assert.deepEqual(planWarnings(createPlan(inputs(checkOptions("mysite", { timeout: 60 })))), []);
  assert.match(planWarnings(createPlan(inputs(checkOptions("mysite", { timeout: 120 }))))[0] ?? "", /--timeout 120: CloudFront gives up .* 60 s/);
  assert.deepEqual(planWarnings(createPlan(inputs(checkOptions("mysite", { timeout: 120, cdn: false })))), []);
});

test("data as of: each database's own, or --data-as-of for all; written to the manifest only when known", () => {
  const dated = { ...db("dated", 1), dataAsOf: "2026-05-01T08:00:00Z" };
  const plain = db("plain", 1);
  const own = createPlan(inputs(checkOptions("mysite", {}), [dated, plain]));
  assert.deepEqual(own.databases.map((d) => d.dataAsOf), ["2026-05-01T08:00:00Z", undefined]);
  assert.deepEqual(buildManifest(own).databases.map((d) => d.dataAsOf), ["2026-05-01T08:00:00Z", undefined]);
  assert.equal("dataAsOf" in buildManifest(own).databases[1]!, false, "an older stub never sees a null");

  const flagged = createPlan(inputs(checkOptions("mysite", { dataAsOf: "2026-12-01" }), [dated, plain]));
  assert.deepEqual(flagged.databases.map((d) => d.dataAsOf), ["2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"]);
});

test("--into must be a database name; --pk a column name", () => {
  assert.equal(checkOptions("mysite", { into: "my-data_1" }).into, "my-data_1");
  assert.throws(() => checkOptions("mysite", { into: "my.data" }), (e: unknown) => e instanceof UserError && /--into "my\.data" is not a database name/.test(e.message));
  assert.throws(() => checkOptions("mysite", { pk: " " }), (e: unknown) => e instanceof UserError && /--pk needs a column name/.test(e.message));
  assert.deepEqual([checkOptions("mysite", {}).into, checkOptions("mysite", {}).pk, checkOptions("mysite", {}).dataAsOf], [null, null, null]);
});
