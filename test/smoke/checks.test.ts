// The smoke test's checks (test/smoke/checks.ts) against a scripted fetch: each
// passes on what CloudFront and the site answer when all is well, and fails,
// saying why, on what they answer when it is not. (The smoke test itself runs
// only on a real account: npm run smoke.) X-Cache values as CloudFront sends them:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-statistics.html
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ListedImport } from "../../src/live/schedule-state.ts";
import { scheduleName } from "../../src/live/schedule.ts";
import {
  boundText,
  CHECKS,
  checksFor,
  countingFetch,
  csrfToken,
  importOf,
  IN_PLACE_CHECKS,
  inPlaceEvidence,
  isCacheHit,
  lastRunText,
  SCHEDULE_CHECKS,
  setCookie,
  staticAsset,
  type InPlaceSite,
  type ScheduleSite,
  type SmokeSite,
} from "./checks.ts";

const URL_ = "https://d111111abcdef8.cloudfront.net/";
const DB = Buffer.from("SQLite format 3\0 tiny");

type Answer = { status?: number; headers?: Record<string, string>; setCookies?: string[]; body?: string | Uint8Array<ArrayBuffer> };

/** A fetch answering by "METHOD path" (full URL for other hosts); repeated keys answer in turn. */
function scripted(answers: Record<string, Answer | Answer[]>) {
  const seen: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    const key = `${init?.method ?? "GET"} ${url.host === new URL(URL_).host ? url.pathname + url.search : url.href}`;
    seen.push(key);
    const script = answers[key];
    // The last answer of a list repeats.
    const answer = Array.isArray(script) ? (script.length > 1 ? script.shift() : script[0]) : script;
    if (!answer) return new Response("not found", { status: 404 });
    const headers = new Headers(answer.headers);
    for (const cookie of answer.setCookies ?? []) headers.append("set-cookie", cookie);
    return new Response(answer.status === 302 ? null : (answer.body ?? ""), { status: answer.status ?? 200, headers });
  };
  return { fetch, seen };
}

const site = (overrides: Partial<SmokeSite> = {}): SmokeSite => ({
  url: URL_,
  database: "tiny",
  databaseBytes: DB,
  password: "pw",
  token: "tok",
  push: async () => {},
  ...overrides,
});
const noSleep = async () => {};
const check = (name: string) => CHECKS.find((c) => c.name.startsWith(name))!;

test("the helpers read CloudFront's and Datasette's answers", () => {
  assert.ok(isCacheHit(new Headers({ "x-cache": "Hit from cloudfront" })));
  assert.ok(isCacheHit(new Headers({ "x-cache": "RefreshHit from cloudfront" })));
  assert.ok(!isCacheHit(new Headers({ "x-cache": "Miss from cloudfront" })));
  assert.equal(csrfToken('<input type="hidden" name="csrftoken" value="IjE2"> '), "IjE2");
  assert.equal(staticAsset('<link rel="stylesheet" href="/-/static/app.css?d59929">'), "/-/static/app.css?d59929");
  const headers = new Headers();
  headers.append("set-cookie", "ds_csrftoken=abc; Path=/; SameSite=Lax");
  headers.append("set-cookie", "ds_actor=xyz; Path=/");
  assert.equal(setCookie(headers, "ds_actor"), "xyz");
  assert.equal(setCookie(headers, "nope"), undefined);
});

test("the check list: seven checks, in the order the issue gives", () => {
  assert.deepEqual(
    CHECKS.map((c) => c.name),
    [
      "a table page is a cache hit the second time",
      "a static asset is cached",
      "the download redirects to S3 and returns the database's bytes, readable cross-origin",
      "a pushed database is served within a minute",
      "signing in with a POST form sets the actor cookie",
      "a Bearer token authenticates a JSON request, answered private",
      "a body over 1 MB gets the 413 page",
    ],
  );
});

test("cache hit: a Hit on a second request passes; three pairs of Misses fail", async () => {
  const miss = { headers: { "x-cache": "Miss from cloudfront" } };
  const hit = { headers: { "x-cache": "Hit from cloudfront" } };
  const ok = scripted({ "GET /tiny/items?_ttl=60": [miss, miss, miss, hit] });
  assert.deepEqual(await check("a table page").run(site(), ok.fetch, noSleep), {
    name: CHECKS[0]!.name,
    pass: true,
    detail: "Hit from cloudfront (pair 2)",
  });
  const never = scripted({ "GET /tiny/items?_ttl=60": [miss] });
  assert.equal((await check("a table page").run(site(), never.fetch, noSleep)).pass, false);
  assert.equal(never.seen.length, 6);
});

test("download: a 302 to S3 whose bytes are the database's, with CORS, passes; other bytes or no CORS fail", async () => {
  const s3 = "https://bucket.s3.eu-west-1.amazonaws.com/db/abc/tiny.db?X-Amz-Signature=x";
  const good = scripted({
    "GET /tiny.db": { status: 302, headers: { location: s3 } },
    [`GET ${s3}`]: { body: new Uint8Array(DB), headers: { "access-control-allow-origin": "*" } },
  });
  const result = await check("the download").run(site(), good.fetch, noSleep);
  assert.ok(result.pass, result.detail);
  const noCors = scripted({ "GET /tiny.db": { status: 302, headers: { location: s3 } }, [`GET ${s3}`]: { body: new Uint8Array(DB) } });
  assert.match((await check("the download").run(site(), noCors.fetch, noSleep)).detail, /no Access-Control-Allow-Origin/);
  const served = scripted({ "GET /tiny.db": { body: new Uint8Array(DB) } });
  assert.match((await check("the download").run(site(), served.fetch, noSleep)).detail, /expected a 302/);
});

test("sign-in: the CSRF form, the POST with its cookie, the actor; a 403 from Lambda fails naming it", async () => {
  const form = { body: '<form><input type="hidden" name="csrftoken" value="T1"></form>', setCookies: ["ds_csrftoken=C1; Path=/"] };
  const good = scripted({
    "GET /-/login": form,
    "POST /-/login": { status: 302, headers: { location: "/" }, setCookies: ["ds_actor=A1; Path=/"] },
    "GET /-/actor.json": { body: JSON.stringify({ actor: { id: "root" } }) },
  });
  assert.ok((await check("signing in").run(site(), good.fetch, noSleep)).pass);
  const refused = scripted({ "GET /-/login": form, "POST /-/login": { status: 403, body: '{"Message":"Forbidden"}' } });
  assert.match((await check("signing in").run(site(), refused.fetch, noSleep)).detail, /answered 403 without ds_actor/);
});

test("token: the bot actor with private, no-store passes; a cacheable answer fails", async () => {
  const answer = (cacheControl: string) =>
    scripted({ "GET /-/actor.json": { body: JSON.stringify({ actor: { id: "bot" } }), headers: { "cache-control": cacheControl } } });
  assert.ok((await check("a Bearer token").run(site(), answer("private, no-store").fetch, noSleep)).pass);
  assert.match((await check("a Bearer token").run(site(), answer("max-age=5").fetch, noSleep)).detail, /Cache-Control: max-age=5/);
});

test("push: served once /extra.json answers; 413: only a 413 saying 1 MB passes", async () => {
  let pushed = 0;
  const later = scripted({ "GET /extra.json": [{ status: 404 }, { status: 404 }, { body: "{}" }] });
  assert.ok((await check("a pushed database").run(site({ push: async () => void pushed++ }), later.fetch, noSleep)).pass);
  assert.equal(pushed, 1);
  const limit = scripted({ "POST /-/login": { status: 413, body: "Requests through CloudFront may carry at most 1 MB of body." } });
  assert.ok((await check("a body over 1 MB").run(site(), limit.fetch, noSleep)).pass);
  const forbidden = scripted({ "POST /-/login": { status: 403, body: "Forbidden" } });
  assert.equal((await check("a body over 1 MB").run(site(), forbidden.fetch, noSleep)).pass, false);
});

test("the counting fetch counts the site's requests and the cache misses that ran the edge function, not S3's", async () => {
  const counts = { cloudfrontRequests: 0, cloudfrontBytes: 0, edgeInvocations: 0 };
  const inner = scripted({
    "GET /tiny": { headers: { "x-cache": "Miss from cloudfront", "content-length": "100" }, body: "x".repeat(100) },
    "GET /-/static/app.css": { headers: { "x-cache": "Miss from cloudfront" } },
    "GET /tiny/items": { headers: { "x-cache": "Hit from cloudfront" } },
  });
  const fetch = countingFetch(URL_, counts, inner.fetch);
  for (const path of ["tiny", "-/static/app.css", "tiny/items"]) await fetch(`${URL_}${path}`);
  await fetch("https://bucket.s3.amazonaws.com/x");
  assert.deepEqual(counts, { cloudfrontRequests: 3, cloudfrontBytes: 100, edgeInvocations: 1 });
});

test("the run's checks: in place the push waits longer and the in-place checks follow; a schedule's come last", () => {
  assert.deepEqual(checksFor({ inPlace: false, schedule: false }), CHECKS);
  const inPlace = checksFor({ inPlace: true, schedule: false }).map((c) => c.name);
  assert.equal(inPlace.length, CHECKS.length + IN_PLACE_CHECKS.length);
  assert.equal(inPlace[3], "a pushed database is served within 5 minutes");
  assert.deepEqual(
    inPlace.slice(-2),
    IN_PLACE_CHECKS.map((c) => c.name),
  );
  const both = checksFor({ inPlace: true, schedule: true }).map((c) => c.name);
  assert.deepEqual(
    both.slice(-SCHEDULE_CHECKS.length),
    SCHEDULE_CHECKS.map((c) => c.name),
  );
  assert.equal(boundText(60), "a minute");
  assert.equal(boundText(300), "5 minutes");
  assert.equal(boundText(90), "90 s");
});

// As Lambda's text log format writes the runtime's lines (start/site_assembly.py, databases/s3_databases.py).
const READY_IN_PLACE =
  "[INFO]\t2026-12-06T10:00:01.000Z\t\tdatasette-lambda: site ready 0.61 s after import (2 databases, " +
  "2 from S3 read in place from /mnt/bucket, downloads of 2 from S3, compiled templates on, live data checked every 10 s, 0 live)";
const READY_DOWNLOADED =
  "[INFO]\t2026-12-06T10:00:01.000Z\t\tdatasette-lambda: site ready 3.10 s after import (2 databases, 2 from S3, " +
  "downloads of 2 from S3, compiled templates on, live data off)";
const FETCHED = "[INFO]\t2026-12-06T10:00:00.500Z\t\tdatasette-lambda: fetched database inplace (1228800 bytes)";

test("in place, from the log: every start read in place, nothing downloaded passes; a download or a start without the mount fails", () => {
  assert.deepEqual(inPlaceEvidence([READY_IN_PLACE, READY_IN_PLACE], "inplace"), {
    pass: true,
    detail: "2 start(s) read in place from /mnt/bucket; no download of inplace or any other",
  });
  const downloaded = inPlaceEvidence([FETCHED, READY_IN_PLACE], "inplace");
  assert.equal(downloaded.pass, false);
  assert.match(downloaded.detail, /a download: datasette-lambda: fetched database inplace/);
  assert.deepEqual(inPlaceEvidence([READY_IN_PLACE, READY_DOWNLOADED], "inplace"), {
    pass: false,
    detail: "1 of 2 starts did not read in place",
  });
  assert.equal(inPlaceEvidence([], "inplace").pass, false);
  const liveDownload = "datasette-lambda: live data: downloading extra (0.1 MB) in the background";
  assert.equal(inPlaceEvidence([READY_IN_PLACE, liveDownload], "inplace").pass, false);
});

const inPlace = (overrides: Partial<InPlaceSite> = {}): InPlaceSite => ({
  database: "inplace",
  table: "readings",
  rows: 20000,
  logLines: async () => [READY_IN_PLACE],
  ...overrides,
});
const COUNT = `GET /inplace.json?sql=${encodeURIComponent("select count(*) as n from readings")}&_shape=array`;

test("in place: the count of every row passes after a loading page; a wrong count or no answer fails", async () => {
  const later = scripted({ [COUNT]: [{ status: 503, body: "Loading" }, { body: JSON.stringify([{ n: 20000 }]) }] });
  const served = await IN_PLACE_CHECKS[0]!.run(site({ inPlace: inPlace() }), later.fetch, noSleep);
  assert.deepEqual(served, { name: IN_PLACE_CHECKS[0]!.name, pass: true, detail: "inplace: 20000 rows" });
  const short = scripted({ [COUNT]: { body: JSON.stringify([{ n: 3 }]) } });
  assert.match((await IN_PLACE_CHECKS[0]!.run(site({ inPlace: inPlace() }), short.fetch, noSleep)).detail, /3 rows, expected 20000/);
  const never = scripted({ [COUNT]: { status: 502, body: "could not start" } });
  const failed = await IN_PLACE_CHECKS[0]!.run(site({ inPlace: inPlace() }), never.fetch, noSleep);
  assert.match(failed.detail, /never answered 200 \(last 502: could not start\)/);
  assert.equal(never.seen.length, 10);
  await assert.rejects(IN_PLACE_CHECKS[0]!.run(site(), never.fetch, noSleep), /not deployed with --in-place/);
});

test("in place: the log check waits for the start's line, then judges it", async () => {
  const answers = [[], [], [READY_IN_PLACE]];
  let reads = 0;
  const logLines = async () => answers[Math.min(reads++, 2)]!;
  const result = await IN_PLACE_CHECKS[1]!.run(site({ inPlace: inPlace({ logLines }) }), scripted({}).fetch, noSleep);
  assert.ok(result.pass, result.detail);
  assert.equal(reads, 3);
  const downloads = await IN_PLACE_CHECKS[1]!.run(
    site({ inPlace: inPlace({ logLines: async () => [FETCHED, READY_IN_PLACE] }) }),
    scripted({}).fetch,
    noSleep,
  );
  assert.equal(downloads.pass, false);
  const silent = await IN_PLACE_CHECKS[1]!.run(site({ inPlace: inPlace({ logLines: async () => [] }) }), scripted({}).fetch, noSleep);
  assert.match(silent.detail, /no "site ready" line/);
});

const SOURCE = "https://example.org/data/quakes.csv";
const SCHEDULE = scheduleName(SOURCE);
const listed = (lastRun: ListedImport["lastRun"], every = "every 1 minute"): ListedImport => ({
  schedule: SCHEDULE,
  url: SOURCE,
  database: "quakes",
  every,
  lastRun,
  lastChange: null,
});

/** A scheduled import as the CLI and AWS would answer: `imports` answers in turn (the last repeats). */
function scheduling(imports: ListedImport[][], overrides: Partial<ScheduleSite> = {}) {
  const calls: string[] = [];
  const schedule: ScheduleSite = {
    source: SOURCE,
    servedWithinSeconds: 60,
    schedule: async () => {
      calls.push("schedule");
      return { schedule: SCHEDULE, database: "quakes", expression: "rate(1 minute)" };
    },
    runNow: async (name) => {
      calls.push(`run ${name}`);
      return { status: "published" };
    },
    imports: async () => (imports.length > 1 ? imports.shift()! : imports[0]!),
    unschedule: async () => void calls.push("unschedule"),
    groupSchedules: async () => [],
    ...overrides,
  };
  return { schedule, calls };
}
const scheduleCheck = (name: string) => SCHEDULE_CHECKS.find((c) => c.name.startsWith(name))!;

test("ls's view of an import: found by schedule name, its last run in words", () => {
  assert.equal(importOf([listed(null)], SCHEDULE)?.database, "quakes");
  assert.equal(importOf([listed(null)], "other-0123456789ab"), undefined);
  assert.equal(lastRunText(undefined), "no run yet");
  assert.equal(
    lastRunText(listed({ at: "2026-12-06T10:00:00Z", result: "failed", reason: "HTTP 404" })),
    "failed at 2026-12-06T10:00:00Z: HTTP 404",
  );
});

test("schedule: a 1-minute schedule that ls lists passes; another interval or none listed fails", async () => {
  const { schedule, calls } = scheduling([[listed(null)]]);
  const created = await scheduleCheck("schedule --every 1m").run(site({ schedule }), scripted({}).fetch, noSleep);
  assert.ok(created.pass, created.detail);
  assert.deepEqual(calls, ["schedule"]);
  const hourly = scheduling([[listed(null, "every 1 hour")]]).schedule;
  assert.match(
    (await scheduleCheck("schedule --every 1m").run(site({ schedule: hourly }), scripted({}).fetch, noSleep)).detail,
    /every 1 hour/,
  );
  const unlisted = scheduling([[]]).schedule;
  assert.match(
    (await scheduleCheck("schedule --every 1m").run(site({ schedule: unlisted }), scripted({}).fetch, noSleep)).detail,
    /lists no import/,
  );
});

test("a run now: the converter's answer and ls's record; a failed run or a refusal fails with the reason", async () => {
  const run = { at: "2026-12-06T10:00:05Z", result: "published" as const };
  const { schedule, calls } = scheduling([[listed(null)], [listed(run)]]);
  const ok = await scheduleCheck("a run now").run(site({ schedule }), scripted({}).fetch, noSleep);
  assert.deepEqual(ok.detail, "converter: published; ls: published at 2026-12-06T10:00:05Z");
  assert.deepEqual(calls, [`run ${SCHEDULE}`]);
  const failing = scheduling([[listed({ at: "2026-12-06T10:00:05Z", result: "failed", reason: "HTTP 404 from example.org" })]], {
    runNow: async () => ({ status: "failed", detail: "HTTP 404" }),
  }).schedule;
  assert.match(
    (await scheduleCheck("a run now").run(site({ schedule: failing }), scripted({}).fetch, noSleep)).detail,
    /"status":"failed"/,
  );
  const unrecorded = scheduling([[listed(null)]]).schedule;
  assert.match(
    (await scheduleCheck("a run now").run(site({ schedule: unrecorded }), scripted({}).fetch, noSleep)).detail,
    /ls shows no run/,
  );
});

test("served: /quakes.json answering within the bound passes; Scheduler's own run is a later one than seen", async () => {
  const { schedule } = scheduling([[listed(null)]]);
  const served = scripted({ "GET /quakes.json": [{ status: 404 }, { body: "{}" }] });
  assert.ok((await scheduleCheck("the imported database").run(site({ schedule }), served.fetch, noSleep)).pass);
  const never = scripted({});
  assert.match((await scheduleCheck("the imported database").run(site({ schedule }), never.fetch, noSleep)).detail, /after 60 s/);
  assert.equal(never.seen.length, 30);

  const ours = { at: "2026-12-06T10:00:05Z", result: "published" as const };
  const theirs = { at: "2026-12-06T10:01:00Z", result: "unchanged" as const };
  const later = scheduling([[listed(ours)], [listed(ours)], [listed(theirs)]]).schedule;
  const own = await scheduleCheck("EventBridge Scheduler").run(site({ schedule: later }), scripted({}).fetch, noSleep);
  assert.deepEqual(own.detail, "unchanged at 2026-12-06T10:01:00Z");
  assert.ok(own.pass);
  const stuck = scheduling([[listed(ours)]]).schedule;
  const none = await scheduleCheck("EventBridge Scheduler").run(site({ schedule: stuck }), scripted({}).fetch, noSleep);
  assert.match(none.detail, /no run after 2026-12-06T10:00:05Z/);
});

test("unschedule: gone from ls and the group passes; still in either fails", async () => {
  const { schedule, calls } = scheduling([[]]);
  assert.ok((await scheduleCheck("unschedule").run(site({ schedule }), scripted({}).fetch, noSleep)).pass);
  assert.deepEqual(calls, ["unschedule"]);
  const listedStill = scheduling([[listed(null)]]).schedule;
  assert.match(
    (await scheduleCheck("unschedule").run(site({ schedule: listedStill }), scripted({}).fetch, noSleep)).detail,
    /ls still lists/,
  );
  const inGroup = scheduling([[]], { groupSchedules: async () => [SCHEDULE] }).schedule;
  assert.match((await scheduleCheck("unschedule").run(site({ schedule: inGroup }), scripted({}).fetch, noSleep)).detail, /group still has/);
});
