// The smoke test's checks (test/smoke/checks.ts) against a scripted fetch: each
// passes on what CloudFront and the site answer when all is well, and fails,
// saying why, on what they answer when it is not. (The smoke test itself runs
// only on a real account: npm run smoke.) X-Cache values as CloudFront sends them:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-statistics.html
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHECKS, countingFetch, csrfToken, isCacheHit, setCookie, staticAsset, type SmokeSite } from "./checks.ts";

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
