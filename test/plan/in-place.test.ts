// --in-place's flag values, the combinations refused before anything is built,
// and what it changes in the plan (src/plan/in-place.ts, plan.ts, downloads.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { downloadWarning } from "../../src/plan/downloads.ts";
import { CACHE_DAYS, checkInPlaceSnapStart, filesStackParameters, validateCacheDays, validateInPlace } from "../../src/plan/in-place.ts";
import { MB } from "../../src/plan/limits.ts";
import { checkOptions, createPlan, planWarnings } from "../../src/plan/plan.ts";
import type { DatabaseInput } from "../../src/plan/types.ts";
import { splitOptionalValues } from "../../src/optional-value-options.ts";

const db = (name: string, bytes: number, rows = 3): DatabaseInput => ({
  name,
  path: `/d/${name}.db`,
  fileName: `${name}.db`,
  bytes,
  sha256: name.padEnd(64, "0"),
  tables: { t: { count: rows } },
});

const plan = (flags: Parameters<typeof checkOptions>[1], databases = [db("big", 5 * 1024 * MB)]) =>
  createPlan({
    options: checkOptions("mysite", { external: true, ...flags }),
    databases,
    metadata: {},
    requirements: [],
    layerBytes: 30 * MB,
    stubBytes: MB,
  });

test("--in-place alone is direct; =cached and =direct are the modes; anything else is refused naming both", () => {
  assert.equal(validateInPlace(undefined), "off");
  assert.equal(validateInPlace(true), "direct");
  assert.equal(validateInPlace("direct"), "direct");
  assert.equal(validateInPlace("cached"), "cached");
  assert.throws(
    () => validateInPlace("fast"),
    (error: unknown) => error instanceof UserError && /--in-place=fast/.test(error.message) && /direct .* cached/.test(error.message),
  );
});

test("--in-place FILE keeps FILE an argument; --in-place cached and --in-place=cached are the value; nothing after -- is touched", () => {
  assert.deepEqual(splitOptionalValues(["update-stack", "s", "--in-place", "big.db"]), [
    "update-stack",
    "s",
    "--in-place=direct",
    "big.db",
  ]);
  assert.deepEqual(splitOptionalValues(["update-stack", "s", "big.db", "--in-place"]), [
    "update-stack",
    "s",
    "big.db",
    "--in-place=direct",
  ]);
  assert.deepEqual(splitOptionalValues(["update-stack", "s", "--in-place", "cached", "a.db"]), [
    "update-stack",
    "s",
    "--in-place",
    "cached",
    "a.db",
  ]);
  assert.deepEqual(splitOptionalValues(["--in-place=cached", "a.db"]), ["--in-place=cached", "a.db"]);
  assert.deepEqual(splitOptionalValues(["a.db", "--", "--in-place", "x"]), ["a.db", "--", "--in-place", "x"]);
});

test("--cache-days: only with --in-place=cached (it would be ignored otherwise), within S3 Files' 1-365", () => {
  assert.equal(validateCacheDays(undefined, "off"), CACHE_DAYS.default);
  assert.equal(validateCacheDays(30, "cached"), 30);
  for (const mode of ["off", "direct"] as const) {
    assert.throws(
      () => validateCacheDays(30, mode),
      (error: unknown) => error instanceof UserError && /--cache-days 30 applies to --in-place=cached only/.test(error.message),
    );
  }
  for (const days of [0, 366]) {
    assert.throws(
      () => validateCacheDays(days, "cached"),
      (error: unknown) => error instanceof UserError && /1-365/.test(error.message),
    );
  }
});

test("--in-place with --snapstart is refused when the flags are checked, before any build", () => {
  checkInPlaceSnapStart("off", true);
  checkInPlaceSnapStart("cached", false);
  assert.throws(
    () => checkOptions("mysite", { inPlace: true, snapstart: true, runtime: "python3.13" }),
    (error: unknown) =>
      error instanceof UserError &&
      /--in-place .*SnapStart does not support/.test(error.message) &&
      /one or the other/.test(error.hint ?? ""),
  );
});

test("in place: /tmp at 512 MB whatever the databases weigh, facet suggestions off unless set, no download warning", () => {
  const inPlace = plan({ inPlace: "cached" });
  assert.equal(inPlace.inPlace, "cached");
  assert.equal(inPlace.ephemeralStorageMb, 512);
  assert.equal(inPlace.settings.suggest_facets, false);
  assert.deepEqual(planWarnings(inPlace), []);
  const explicit = plan({ inPlace: true, setting: [["suggest_facets", "on"]] });
  assert.equal(explicit.settings.suggest_facets, true);
  // Small tables, downloaded: suggestions stay Datasette's default.
  assert.equal(plan({}, [db("small", MB)]).settings.suggest_facets, undefined);
  assert.equal(plan({ inPlace: true }, [db("small", MB)]).settings.suggest_facets, false);
});

test("downloaded: a database that takes longer to download than a request waits warns with the figures and suggests --in-place", () => {
  const downloaded = plan({});
  const warning = downloadWarning(downloaded);
  assert.ok(warning);
  // 5 GiB at ~50 MB/s: 103 s, against the 20 s a request waits.
  assert.match(warning, /5\.0 GB: a new Lambda instance needs about 103 s to download them \(at ~50 MB\/s\)/);
  assert.match(warning, /longer than a request waits for them \(20 s\)/);
  assert.match(warning, /--in-place or --in-place=cached/);
  assert.equal(downloadWarning({ ...downloaded, inPlace: "direct" }), null);
  // Under the wait: no warning.
  assert.equal(downloadWarning(plan({}, [db("small", 500 * MB)])), null);
});

test("the NAME-files stack's parameters: the bucket, whether to import, the expiry", () => {
  assert.deepEqual(filesStackParameters(plan({ inPlace: true }), "b-1"), { BucketName: "b-1", Cached: "false", CachedDays: "7" });
  assert.deepEqual(filesStackParameters(plan({ inPlace: "cached", cacheDays: 30 }), "b-1"), {
    BucketName: "b-1",
    Cached: "true",
    CachedDays: "30",
  });
});
