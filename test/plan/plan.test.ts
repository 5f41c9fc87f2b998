import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { buildManifest, serializeManifest } from "../../src/plan/manifest.ts";
import { checkOptions, createPlan, LARGE_TABLE_ROWS, planWarnings } from "../../src/plan/plan.ts";
import type { DatabaseInput } from "../../src/plan/types.ts";
import { MB } from "../../src/plan/limits.ts";

const db = (name: string, rows: number, bytes = 1024): DatabaseInput => ({
  name,
  path: `/d/${name}.db`,
  fileName: `${name}.db`,
  bytes,
  sha256: "ab".repeat(32),
  tables: { t: { count: rows } },
});

const inputs = (options = checkOptions("mysite", {}), databases = [db("fixtures", 3)]) => ({
  options,
  databases,
  metadata: { title: "T" },
  requirements: ["datasette==0.65.5"],
  layerBytes: 30 * MB,
  stubBytes: MB,
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
    {
      name: "fixtures",
      fileName: "fixtures.db",
      sha256: "ab".repeat(32),
      bytes: 4096,
      location: "s3",
      key: `db/${"ab".repeat(32)}/fixtures.db`,
    },
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
  assert.match(
    planWarnings(createPlan(inputs(checkOptions("mysite", { timeout: 120 }))))[0] ?? "",
    /--timeout 120: CloudFront gives up .* 60 s/,
  );
  assert.deepEqual(planWarnings(createPlan(inputs(checkOptions("mysite", { timeout: 120, cdn: false })))), []);
});

test("data as of: each database's own, or --data-as-of for all; written to the manifest only when known", () => {
  const dated = { ...db("dated", 1), dataAsOf: "2026-05-01T08:00:00Z" };
  const plain = db("plain", 1);
  const own = createPlan(inputs(checkOptions("mysite", {}), [dated, plain]));
  assert.deepEqual(
    own.databases.map((d) => d.dataAsOf),
    ["2026-05-01T08:00:00Z", undefined],
  );
  assert.deepEqual(
    buildManifest(own).databases.map((d) => d.dataAsOf),
    ["2026-05-01T08:00:00Z", undefined],
  );
  assert.equal("dataAsOf" in buildManifest(own).databases[1]!, false, "an older stub never sees a null");

  const flagged = createPlan(inputs(checkOptions("mysite", { dataAsOf: "2026-12-01" }), [dated, plain]));
  assert.deepEqual(
    flagged.databases.map((d) => d.dataAsOf),
    ["2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"],
  );
});

test("--into must be a database name; --pk a column name", () => {
  assert.equal(checkOptions("mysite", { into: "my-data_1" }).into, "my-data_1");
  assert.throws(
    () => checkOptions("mysite", { into: "my.data" }),
    (e: unknown) => e instanceof UserError && /--into: "my\.data" is not a database name/.test(e.message),
  );
  assert.throws(
    () => checkOptions("mysite", { pk: " " }),
    (e: unknown) => e instanceof UserError && /--pk needs a column name/.test(e.message),
  );
  assert.deepEqual(
    [checkOptions("mysite", {}).into, checkOptions("mysite", {}).pk, checkOptions("mysite", {}).dataAsOf],
    [null, null, null],
  );
});

test("--snapstart carries into the plan; python3.11 is refused", () => {
  assert.equal(createPlan(inputs()).snapstart, false);
  assert.equal(createPlan(inputs(checkOptions("mysite", { snapstart: true }))).snapstart, true);
  assert.throws(
    () => checkOptions("mysite", { snapstart: true, runtime: "python3.11" }),
    (error: unknown) => error instanceof UserError && /--snapstart needs python3\.12/.test(error.message),
  );
});

test("--snapstart refuses S3 databases that need more than 512 MB of /tmp, naming the fix", () => {
  // 200 MB in S3 needs 200 * 1.1 + 256 = 476 MB of /tmp: within SnapStart's 512 (Lambda's minimum).
  const fits = createPlan(inputs(checkOptions("mysite", { snapstart: true, external: true }), [db("mid", 3, 200 * MB)]));
  assert.equal(fits.ephemeralStorageMb, 512);
  const refused = (external: boolean, bytes: number) =>
    assert.throws(
      () => createPlan(inputs(checkOptions("mysite", { snapstart: true, external }), [db("big", 3, bytes)])),
      (error: unknown) =>
        error instanceof UserError &&
        /--snapstart: the databases kept in S3 \(\d+ MB\) need \d+ MB of \/tmp, and SnapStart allows at most 512 MB/.test(error.message) &&
        (external ? /Drop --external/ : /Drop --snapstart/).test(error.hint ?? ""),
    );
  refused(true, 300 * MB);
  refused(false, 400 * MB); // too big for the package: S3 without --external
  // Without --snapstart the same database is fine (up to 10 GB of /tmp).
  assert.equal(createPlan(inputs(checkOptions("mysite", { external: true }), [db("big", 3, 300 * MB)])).snapstart, false);
});

test("S3 databases that outlast a request's wait are warned about with the figures", () => {
  const big = [db("big", 3, 2 * 1024 * MB)];
  const [warning] = planWarnings(createPlan(inputs(checkOptions("mysite", { external: true }), big)));
  assert.match(
    warning ?? "",
    new RegExp(
      /come to 2\.0 GB: a new Lambda instance needs about 41 s to download them \(at ~50 MB\/s\), /.source +
        /longer than a request waits for them \(20 s\)\./.source,
    ),
  );
  assert.match(warning ?? "", /"loading, retry shortly" page \(503, Retry-After\)/);
  // A short timeout shortens the wait, and says so.
  const [short] = planWarnings(createPlan(inputs(checkOptions("mysite", { external: true, timeout: 10 }), big)));
  assert.match(short ?? "", /longer than a request waits for them \(8 s, what --timeout 10 leaves\)/);
  // Small S3 databases, inline ones, and SnapStart (downloaded before the snapshot): no warning.
  assert.deepEqual(planWarnings(createPlan(inputs(checkOptions("mysite", { external: true }), [db("small", 3, 500 * MB)]))), []);
  assert.deepEqual(planWarnings(createPlan(inputs(checkOptions("mysite", {}), [db("inline", 3, 100 * MB)]))), []);
  assert.deepEqual(
    planWarnings(createPlan(inputs(checkOptions("mysite", { external: true, snapstart: true }), [db("s", 3, 200 * MB)]))),
    [],
  );
});

test("a layer with no room left: the error names its biggest packages and which came from --install", () => {
  const options = checkOptions("mysite", { install: ["datasette-huge"], arch: "x86_64" });
  const layerPackages = [
    { name: "torch", bytes: 150 * MB },
    { name: "datasette-huge", bytes: 90 * MB },
    { name: "datasette", bytes: 2 * MB },
  ];
  assert.throws(
    () => createPlan({ ...inputs(options), layerBytes: 242 * MB, layerPackages }),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        /; biggest packages: torch 150\.0 MB, datasette-huge 90\.0 MB, datasette 2\.0 MB \(from --install: datasette-huge\)$/,
      );
      assert.match(error.hint ?? "", /^Drop or replace one of --install datasette-huge/);
      assert.doesNotMatch(error.hint ?? "", /--arch/, "already x86_64");
      return true;
    },
  );
});
