// What the smoke test checks through CloudFront on a freshly deployed site,
// in order. Each check gets the site's URL and a counting fetch, and says
// PASS or FAIL with a detail; the pure helpers are unit-tested
// (test/smoke/checks.test.ts), the checks themselves with a fake fetch.
import { createHash } from "node:crypto";
import { scheduleName, scheduledDatabase } from "../../src/live/schedule.ts";
import type { ListedImport } from "../../src/live/schedule-state.ts";

export interface CheckResult {
  name: string;
  pass: boolean;
  detail: string;
}

export interface SmokeSite {
  /** The site's URL, ending in "/". */
  url: string;
  /** The deployed database's name and bytes. */
  database: string;
  databaseBytes: Buffer;
  /** The root password datasette-auth-passwords knows (its hash is a --plugin-secret). */
  password: string;
  /** The Bearer token datasette-auth-tokens knows (from the site's metadata). */
  token: string;
  /** Publishes extra.csv as the live database "extra" (the CLI's push); throws on failure. */
  push: () => Promise<void>;
  /** --in-place: what the in-place checks look at. */
  inPlace?: InPlaceSite;
  /** --schedule URL: what the scheduled-import checks drive. */
  schedule?: ScheduleSite;
}

/** A site deployed with --in-place --external: its S3 databases are read through the S3 Files mount. */
export interface InPlaceSite {
  /** A database kept in S3 (bigger than S3 Files' 128 KiB import threshold, so read straight from S3), its table and rows. */
  database: string;
  table: string;
  rows: number;
  /** The site function's "datasette-lambda:" log lines since the deploy. */
  logLines: () => Promise<string[]>;
}

/** A public URL scheduled into the site (schedule --every 1m), driven through the CLI and the AWS APIs. */
export interface ScheduleSite {
  /** The URL given with --schedule. */
  source: string;
  /** How long an import may take to be served once published (longer in place). */
  servedWithinSeconds: number;
  /** `schedule NAME URL --every 1m --json`. */
  schedule: () => Promise<{ schedule: string; database: string; expression: string }>;
  /** Invokes the converter with the schedule's own Input (what EventBridge Scheduler sends); the function's answer. */
  runNow: (schedule: string) => Promise<{ status?: string; detail?: string }>;
  /** `ls NAME --json`'s imports. */
  imports: () => Promise<ListedImport[]>;
  /** `unschedule NAME URL`. */
  unschedule: () => Promise<void>;
  /** The names of the schedules in the site's schedule group. */
  groupSchedules: () => Promise<string[]>;
}

export interface Check {
  name: string;
  run: (site: SmokeSite, fetch: typeof globalThis.fetch, sleep: (ms: number) => Promise<void>) => Promise<CheckResult>;
}

/** CloudFront's X-Cache says the answer came from its cache. */
export function isCacheHit(headers: Headers): boolean {
  return /^(Hit|RefreshHit) from cloudfront$/i.test(headers.get("x-cache") ?? "");
}

/** Datasette's CSRF token from a form. */
export function csrfToken(html: string): string | undefined {
  return /name="csrftoken" value="([^"]+)"/.exec(html)?.[1];
}

/** A cookie's value from a response's Set-Cookie headers. */
export function setCookie(headers: Headers, name: string): string | undefined {
  for (const cookie of headers.getSetCookie()) {
    const [pair = ""] = cookie.split(";");
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/** The versioned address of Datasette's own CSS in a page. */
export function staticAsset(html: string): string | undefined {
  return /(?:href|src)="([^"]*\/-\/static\/app\.css[^"]*)"/.exec(html)?.[1];
}

const pass = (name: string, detail: string): CheckResult => ({ name, pass: true, detail });
const fail = (name: string, detail: string): CheckResult => ({ name, pass: false, detail });

/** Two requests for the same address, up to three times (consecutive requests may reach different caches): a hit on a second? */
async function cachedOnSecondRequest(
  fetch: typeof globalThis.fetch,
  address: string,
  sleep: (ms: number) => Promise<void>,
): Promise<string | undefined> {
  for (let pair = 0; pair < 3; pair++) {
    const first = await fetch(address);
    await first.arrayBuffer();
    if (!first.ok) return undefined;
    const second = await fetch(address);
    await second.arrayBuffer();
    if (isCacheHit(second.headers)) return `${second.headers.get("x-cache")} (pair ${pair + 1})`;
    await sleep(1000);
  }
  return undefined;
}

/** How long a bound reads in a check's name: "a minute", "5 minutes". */
export function boundText(seconds: number): string {
  if (seconds === 60) return "a minute";
  return seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} s`;
}

/** Polls address every 2 s until it answers 200, up to `seconds`; how long it took, or undefined. */
async function servedWithin(
  fetch: typeof globalThis.fetch,
  address: string,
  seconds: number,
  sleep: (ms: number) => Promise<void>,
): Promise<number | undefined> {
  const started = Date.now();
  for (let attempt = 0; attempt < Math.ceil(seconds / 2); attempt++) {
    const response = await fetch(address);
    await response.arrayBuffer();
    if (response.ok) return (Date.now() - started) / 1000;
    await sleep(2000);
  }
  return undefined;
}

/** Push extra.csv and wait for /extra.json; in place the bound is longer (served once S3 Files shows the file). */
export function pushCheck(seconds: number): Check {
  const name = `a pushed database is served within ${boundText(seconds)}`;
  return {
    name,
    run: async (site, fetch, sleep) => {
      await site.push();
      const took = await servedWithin(fetch, `${site.url}extra.json`, seconds, sleep);
      return took === undefined
        ? fail(name, `/extra.json still not served after ${seconds} s`)
        : pass(name, `served after ${took.toFixed(0)} s`);
    },
  };
}

const DEFAULT_PUSH = pushCheck(60);

/** In place a pushed database is served once S3 Files shows it: seconds usually, minutes at worst (the runtime warns at 300 s). */
export const IN_PLACE_PUSH_SECONDS = 300;

export const CHECKS: Check[] = [
  {
    name: "a table page is a cache hit the second time",
    run: async (site, fetch, sleep) => {
      const name = "a table page is a cache hit the second time";
      const hit = await cachedOnSecondRequest(fetch, `${site.url}${site.database}/items?_ttl=60`, sleep);
      return hit ? pass(name, hit) : fail(name, "no X-Cache hit in three pairs of requests");
    },
  },
  {
    name: "a static asset is cached",
    run: async (site, fetch, sleep) => {
      const name = "a static asset is cached";
      const page = await (await fetch(site.url)).text();
      const asset = staticAsset(page);
      if (!asset) return fail(name, "no /-/static/app.css link on the index page");
      const hit = await cachedOnSecondRequest(fetch, new URL(asset, site.url).href, sleep);
      return hit ? pass(name, `${asset}: ${hit}`) : fail(name, `${asset}: no X-Cache hit`);
    },
  },
  {
    name: "the download redirects to S3 and returns the database's bytes, readable cross-origin",
    run: async (site, fetch) => {
      const name = "the download redirects to S3 and returns the database's bytes, readable cross-origin";
      const redirect = await fetch(`${site.url}${site.database}.db`, { redirect: "manual" });
      const location = redirect.headers.get("location");
      if (redirect.status !== 302 || !location) return fail(name, `expected a 302 with a Location, got ${redirect.status}`);
      const file = await fetch(location, { headers: { Origin: "https://example.org" } });
      const bytes = Buffer.from(await file.arrayBuffer());
      const same = createHash("sha256").update(bytes).digest("hex") === createHash("sha256").update(site.databaseBytes).digest("hex");
      const cors = file.headers.get("access-control-allow-origin");
      if (!same) return fail(name, `S3 answered ${file.status} with ${bytes.length} bytes that are not the database's`);
      if (!cors) return fail(name, "the bytes match, but S3 sent no Access-Control-Allow-Origin (--cors)");
      return pass(name, `${new URL(location).host}, ${bytes.length} bytes, Access-Control-Allow-Origin: ${cors}`);
    },
  },
  DEFAULT_PUSH,
  {
    name: "signing in with a POST form sets the actor cookie",
    run: async (site, fetch) => {
      const name = "signing in with a POST form sets the actor cookie";
      const form = await fetch(`${site.url}-/login`);
      const token = csrfToken(await form.text());
      const csrfCookie = setCookie(form.headers, "ds_csrftoken");
      if (!token || !csrfCookie) return fail(name, `no CSRF token on /-/login (${form.status})`);
      const body = new URLSearchParams({ username: "root", password: site.password, csrftoken: token });
      const login = await fetch(`${site.url}-/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `ds_csrftoken=${csrfCookie}` },
        body,
      });
      const actor = setCookie(login.headers, "ds_actor");
      if (login.status !== 302 || !actor) return fail(name, `POST /-/login answered ${login.status} without ds_actor`);
      const me = await (await fetch(`${site.url}-/actor.json`, { headers: { cookie: `ds_actor=${actor}` } })).json();
      const id = (me as { actor?: { id?: string } }).actor?.id;
      return id === "root" ? pass(name, "/-/actor.json: root") : fail(name, `/-/actor.json: ${JSON.stringify(me)}`);
    },
  },
  {
    name: "a Bearer token authenticates a JSON request, answered private",
    run: async (site, fetch) => {
      const name = "a Bearer token authenticates a JSON request, answered private";
      const response = await fetch(`${site.url}-/actor.json`, { headers: { authorization: `Bearer ${site.token}` } });
      const me = (await response.json()) as { actor?: { id?: string } };
      const cacheControl = response.headers.get("cache-control");
      if (me.actor?.id !== "bot") return fail(name, `/-/actor.json: ${JSON.stringify(me)}`);
      return cacheControl === "private, no-store"
        ? pass(name, "actor bot, private, no-store")
        : fail(name, `Cache-Control: ${cacheControl}`);
    },
  },
  {
    name: "a body over 1 MB gets the 413 page",
    run: async (site, fetch) => {
      const name = "a body over 1 MB gets the 413 page";
      const response = await fetch(`${site.url}-/login`, { method: "POST", body: Buffer.alloc(1_100_000, "a") });
      const text = await response.text();
      return response.status === 413 && text.includes("1 MB") ? pass(name, "413") : fail(name, `${response.status}: ${text.slice(0, 120)}`);
    },
  },
];

/** What the checks' requests cost to count: every request to the site, its bytes, and the cache misses that ran the edge function. */
export interface FetchCounts {
  cloudfrontRequests: number;
  cloudfrontBytes: number;
  edgeInvocations: number;
}

/** A fetch that counts the requests sent to the site (not those to S3). */
export function countingFetch(
  siteUrl: string,
  counts: FetchCounts,
  inner: typeof globalThis.fetch = globalThis.fetch,
): typeof globalThis.fetch {
  const site = new URL(siteUrl).host;
  return async (input, init) => {
    const response = await inner(input, init);
    const url = new URL(typeof input === "string" || input instanceof URL ? input.toString() : input.url);
    if (url.host === site) {
      counts.cloudfrontRequests++;
      counts.cloudfrontBytes += Number(response.headers.get("content-length") ?? 0);
      // The origin-request function runs on cache misses of the default behaviour.
      if (!isCacheHit(response.headers) && !url.pathname.includes("/-/static")) counts.edgeInvocations++;
    }
    return response;
  };
}

/**
 * What the site's log says about reading in place: every start ("site ready")
 * read its S3 databases in place from the mount, and nothing was downloaded
 * (the runtime logs "fetched database NAME" and "live data: downloading NAME"
 * when it downloads; stub/datasette_lambda/databases/s3_databases.py,
 * live/background_downloads.py, start/site_assembly.py).
 */
export function inPlaceEvidence(lines: string[], database: string): { pass: boolean; detail: string } {
  const ready = lines.filter((line) => line.includes("datasette-lambda: site ready"));
  if (ready.length === 0) return { pass: false, detail: 'no "site ready" line in the site\'s log yet' };
  const inPlace = ready.filter((line) => / read in place from \S+/.test(line));
  if (inPlace.length < ready.length) {
    return { pass: false, detail: `${ready.length - inPlace.length} of ${ready.length} starts did not read in place` };
  }
  const download = lines.find((line) => /datasette-lambda: (fetched database |live data: downloading )/.test(line));
  if (download) return { pass: false, detail: `a download: ${download.slice(download.indexOf("datasette-lambda:"))}` };
  const mount = / read in place from (\S+?),/.exec(inPlace[0]!)?.[1] ?? "the mount";
  return { pass: true, detail: `${ready.length} start(s) read in place from ${mount}; no download of ${database} or any other` };
}

const inPlaceOf = (site: SmokeSite): InPlaceSite => {
  if (!site.inPlace) throw new Error("the site was not deployed with --in-place");
  return site.inPlace;
};

export const IN_PLACE_CHECKS: Check[] = [
  {
    name: "a database kept in S3 is served in place, every row read",
    run: async (site, fetch, sleep) => {
      const name = "a database kept in S3 is served in place, every row read";
      const { database, table, rows } = inPlaceOf(site);
      const address = `${site.url}${database}.json?sql=${encodeURIComponent(`select count(*) as n from ${table}`)}&_shape=array`;
      // A new instance may answer a loading page while S3 Files shows the file (its first start).
      let last = "";
      for (let attempt = 0; attempt < 10; attempt++) {
        const response = await fetch(address);
        const text = await response.text();
        if (response.ok) {
          const count = (JSON.parse(text) as { n?: number }[])[0]?.n;
          return count === rows ? pass(name, `${database}: ${count} rows`) : fail(name, `${database}: ${count} rows, expected ${rows}`);
        }
        last = `${response.status}: ${text.slice(0, 120)}`;
        await sleep(3000);
      }
      return fail(name, `/${database}.json never answered 200 (last ${last})`);
    },
  },
  {
    name: "the site's log says its databases are read in place, none downloaded",
    run: async (site, _fetch, sleep) => {
      const name = "the site's log says its databases are read in place, none downloaded";
      const { database, logLines } = inPlaceOf(site);
      // Log lines reach CloudWatch within seconds; a minute is plenty.
      let evidence = inPlaceEvidence(await logLines(), database);
      for (let attempt = 0; attempt < 6 && evidence.detail.startsWith("no "); attempt++) {
        await sleep(10_000);
        evidence = inPlaceEvidence(await logLines(), database);
      }
      return { name, ...evidence };
    },
  },
];

/** The schedule's entry in ls --json's imports. */
export function importOf(imports: ListedImport[], schedule: string): ListedImport | undefined {
  return imports.find((entry) => entry.schedule === schedule);
}

/** "published at 2026-12-06T10:00:00Z" / "failed at ...: reason" / "no run yet" (pure). */
export function lastRunText(entry: ListedImport | undefined): string {
  const run = entry?.lastRun;
  if (!run) return "no run yet";
  return `${run.result} at ${run.at}${run.reason ? `: ${run.reason}` : ""}`;
}

const scheduleOf = (site: SmokeSite): ScheduleSite & { name: string; database: string } => {
  if (!site.schedule) throw new Error("no --schedule URL was given");
  // The CLI's own naming (src/live/schedule.ts): the checks need not share state.
  const url = new URL(site.schedule.source);
  return { ...site.schedule, name: scheduleName(url.href), database: scheduledDatabase(url, undefined) };
};

/** Polls ls --json every `everyMs` up to `times` times until `done` holds; the last entry seen. */
async function pollImport(
  schedule: ScheduleSite & { name: string },
  done: (entry: ListedImport | undefined) => boolean,
  times: number,
  everyMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<ListedImport | undefined> {
  let entry = importOf(await schedule.imports(), schedule.name);
  for (let attempt = 1; attempt < times && !done(entry); attempt++) {
    await sleep(everyMs);
    entry = importOf(await schedule.imports(), schedule.name);
  }
  return entry;
}

export const SCHEDULE_CHECKS: Check[] = [
  {
    name: "schedule --every 1m creates a schedule that ls lists",
    run: async (site) => {
      const name = "schedule --every 1m creates a schedule that ls lists";
      const schedule = scheduleOf(site);
      const created = await schedule.schedule();
      if (created.schedule !== schedule.name) return fail(name, `schedule ${created.schedule}, expected ${schedule.name}`);
      const entry = importOf(await schedule.imports(), schedule.name);
      if (!entry) return fail(name, `ls lists no import ${schedule.name}`);
      return entry.every === "every 1 minute"
        ? pass(name, `${created.schedule} (${created.expression}) into ${created.database}`)
        : fail(name, `ls says ${entry.every}, expected every 1 minute`);
    },
  },
  {
    name: "a run now (the schedule's own event, sent to the converter) succeeds and ls shows its result",
    run: async (site, _fetch, sleep) => {
      const name = "a run now (the schedule's own event, sent to the converter) succeeds and ls shows its result";
      const schedule = scheduleOf(site);
      const answer = await schedule.runNow(schedule.name);
      if (answer.status !== "published" && answer.status !== "unchanged") {
        return fail(name, `the converter answered ${JSON.stringify(answer)}`);
      }
      const entry = await pollImport(schedule, (e) => Boolean(e?.lastRun), 10, 3000, sleep);
      if (!entry?.lastRun) return fail(name, `the converter answered ${answer.status}, but ls shows no run`);
      return entry.lastRun.result === "failed"
        ? fail(name, `ls: ${lastRunText(entry)}`)
        : pass(name, `converter: ${answer.status}; ls: ${lastRunText(entry)}`);
    },
  },
  {
    name: "the imported database is served",
    run: async (site, fetch, sleep) => {
      const name = "the imported database is served";
      const schedule = scheduleOf(site);
      const seconds = schedule.servedWithinSeconds;
      const took = await servedWithin(fetch, `${site.url}${schedule.database}.json`, seconds, sleep);
      return took === undefined
        ? fail(name, `/${schedule.database}.json still not served after ${seconds} s`)
        : pass(name, `/${schedule.database}.json after ${took.toFixed(0)} s`);
    },
  },
  {
    name: "EventBridge Scheduler runs it itself within 2 minutes",
    run: async (site, _fetch, sleep) => {
      const name = "EventBridge Scheduler runs it itself within 2 minutes";
      const schedule = scheduleOf(site);
      // A run later than the last one seen can only be Scheduler's (rate(1 minute)): its role may invoke the converter.
      const before = importOf(await schedule.imports(), schedule.name)?.lastRun?.at;
      const entry = await pollImport(schedule, (e) => Boolean(e?.lastRun && e.lastRun.at !== before), 13, 10_000, sleep);
      if (!entry?.lastRun || entry.lastRun.at === before) return fail(name, `no run after ${before ?? "none"} within 2 minutes`);
      return entry.lastRun.result === "failed" ? fail(name, lastRunText(entry)) : pass(name, lastRunText(entry));
    },
  },
  {
    name: "unschedule removes it from ls and from the schedule group",
    run: async (site) => {
      const name = "unschedule removes it from ls and from the schedule group";
      const schedule = scheduleOf(site);
      await schedule.unschedule();
      if (importOf(await schedule.imports(), schedule.name)) return fail(name, `ls still lists ${schedule.name}`);
      const left = await schedule.groupSchedules();
      return left.includes(schedule.name) ? fail(name, `the group still has ${schedule.name}`) : pass(name, `${schedule.name} gone`);
    },
  },
];

/** A run's checks: the default ones (in place, the push given IN_PLACE_PUSH_SECONDS), then the in-place ones, then the schedule's. */
export function checksFor(options: { inPlace: boolean; schedule: boolean }): Check[] {
  const base = options.inPlace ? CHECKS.map((check) => (check === DEFAULT_PUSH ? pushCheck(IN_PLACE_PUSH_SECONDS) : check)) : CHECKS;
  return [...base, ...(options.inPlace ? IN_PLACE_CHECKS : []), ...(options.schedule ? SCHEDULE_CHECKS : [])];
}
