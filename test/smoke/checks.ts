// What the smoke test checks through CloudFront on a freshly deployed site,
// in order. Each check gets the site's URL and a counting fetch, and says
// PASS or FAIL with a detail; the pure helpers are unit-tested
// (test/smoke/checks.test.ts), the checks themselves with a fake fetch.
import { createHash } from "node:crypto";

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
  {
    name: "a pushed database is served within a minute",
    run: async (site, fetch, sleep) => {
      const name = "a pushed database is served within a minute";
      await site.push();
      const started = Date.now();
      for (let attempt = 0; attempt < 30; attempt++) {
        const response = await fetch(`${site.url}extra.json`);
        await response.arrayBuffer();
        if (response.ok) return pass(name, `served after ${((Date.now() - started) / 1000).toFixed(0)} s`);
        await sleep(2000);
      }
      return fail(name, "/extra.json still not served after 60 s");
    },
  },
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
