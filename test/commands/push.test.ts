import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { checkConverted, checkPushOptions, runPush, type PushDeps, type PushOptions, type PushResult } from "../../src/commands/push.ts";
import { AwsError, UserError } from "../../src/errors.ts";
import { pushFiles, type ConvertDataFiles } from "../../src/artifacts/push-files.ts";
import { liveEntries, LIVE_MANIFEST_KEY, parseLiveManifest, type LiveDatabase } from "../../src/live/manifest.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { liveWorld, type LiveWorld } from "../_helpers/live-site.ts";

const dir = tempDir();
const sales = makeDatabase(join(dir, "sales.db"), { sales: 3, regions: 2 });
utimesSync(sales, new Date("2026-11-30T09:00:00Z"), new Date("2026-11-30T09:00:00Z"));

/** Served live: the entries of the bucket's manifest a reader serves. */
function servedIn(w: LiveWorld): Record<string, LiveDatabase> {
  const text = w.bucket.objects.get(LIVE_MANIFEST_KEY)?.toString();
  return text === undefined ? {} : liveEntries(parseLiveManifest(text)).databases;
}

/**
 * A site that starts serving what the manifest says after `lag` status
 * requests, answering push's question as the runtime does (?expect=NAME:SHA256;
 * test/e2e/push-ls-rm.test.ts has push ask the real runtime).
 */
function followingSite(w: LiveWorld, lag = 1) {
  const urls: string[] = [];
  const fetch = (async (url: string | URL) => {
    urls.push(String(url));
    const served = urls.length > lag ? servedIn(w) : {};
    const asked = new URL(String(url)).searchParams.getAll("expect").map((value) => value.split(":") as [string, string]);
    const expected = Object.fromEntries(asked.map(([name, sha256]) => [name, served[name]?.sha256 === sha256]));
    return new Response(JSON.stringify({ databases: {}, manifestEtag: null, checkedAt: null, expected }), { status: 200 });
  }) as typeof globalThis.fetch;
  return { fetch, urls };
}

function deps(w: LiveWorld, extra: Partial<PushDeps> = {}): PushDeps {
  const clock = { now: Date.parse("2026-12-01T12:00:00Z") };
  return {
    clients: { cloudformation: w.cfn.client, s3: w.bucket.client },
    output: w.output.out,
    convert: pushFiles,
    now: () => clock.now,
    sleep: async (ms) => void (clock.now += ms),
    random: () => 0.5,
    ...extra,
  };
}

async function push(w: LiveWorld, files: string[], options: PushOptions = {}, extra: Partial<PushDeps> = {}): Promise<PushResult> {
  return runPush("site", files, options, deps(w, extra));
}

test("push: checks the file, publishes it, waits until the site serves its bytes, prints its URL", async () => {
  const w = liveWorld();
  const site = followingSite(w, 2);
  const result = await push(w, [sales], {}, { fetch: site.fetch });

  const entry = servedIn(w).sales!;
  assert.match(entry.key, /^live\/db\/[0-9a-f]{64}\/sales\.db$/);
  assert.ok(w.bucket.objects.has(entry.key));
  assert.deepEqual(entry.tables, { regions: { count: 2 }, sales: { count: 3 } });
  assert.equal(entry.dataAsOf, "2026-11-30T09:00:00Z", "the file's modification time");
  assert.equal(entry.source, "sales.db");
  assert.equal(w.output.stdout(), "https://d111.cloudfront.net/sales\n");
  assert.equal(result.wait, "served");
  assert.equal(site.urls.length, 3);
  const question = `expect=sales%3A${entry.sha256}`;
  assert.ok(site.urls.every((url) => url.startsWith(`https://d111.cloudfront.net/-/datasette-lambda.json?${question}&_=`)));
  const stderr = w.output.stderr();
  assert.match(stderr, /Converting and checking 1 file\.\.\./);
  assert.match(stderr, /Publishing 1 database \(.+\) to site\.\.\./);
  assert.match(stderr, /Waiting for https:\/\/d111\.cloudfront\.net\/ to serve it\.\.\./);
  assert.match(stderr, /Served after 4 s \(other running instances pick it up within 15 s of their next request\)\./);
});

test("push --json: one object with each database, what was uploaded and how the wait ended", async () => {
  const w = liveWorld({ json: true });
  await push(w, [sales], {}, { fetch: followingSite(w).fetch });
  const json = JSON.parse(w.output.stdout()) as PushResult;
  assert.deepEqual(Object.keys(json), ["site", "url", "databases", "uploaded", "wait"]);
  assert.equal(json.site, "site");
  assert.equal(json.url, "https://d111.cloudfront.net/");
  assert.equal(json.wait, "served");
  const [db] = json.databases;
  assert.deepEqual(Object.keys(db!), [
    "name",
    "url",
    "key",
    "sha256",
    "bytes",
    "tables",
    "dataAsOf",
    "source",
    "changed",
    "replacesDeployed",
  ]);
  assert.deepEqual(
    {
      name: db!.name,
      url: db!.url,
      changed: db!.changed,
      replacesDeployed: db!.replacesDeployed,
      source: db!.source,
      dataAsOf: db!.dataAsOf,
    },
    {
      name: "sales",
      url: "https://d111.cloudfront.net/sales",
      changed: true,
      replacesDeployed: false,
      source: "sales.db",
      dataAsOf: "2026-11-30T09:00:00Z",
    },
  );
  assert.deepEqual(json.uploaded, { files: 1, bytes: db!.bytes });
  assert.equal(w.output.stdout().trim().split("\n").length, 1, "one line of JSON");
});

test("push --no-wait: returns once published, asking the site nothing; the same bytes again upload nothing", async () => {
  const w = liveWorld({ json: true });
  const site = followingSite(w);
  const first = await push(w, [sales], { wait: false }, { fetch: site.fetch });
  assert.equal(first.wait, "skipped");
  assert.equal(site.urls.length, 0);
  const again = await push(w, [sales], { wait: false }, { fetch: site.fetch });
  assert.deepEqual(again.uploaded, { files: 0, bytes: 0 });
  assert.equal(again.databases[0]?.changed, false);
  assert.match(w.output.stderr(), /sales: the site already serves these bytes; nothing to upload\./);
});

test("push under --prefix: polls and prints under the prefix; --url polls another address instead", async () => {
  const w = liveWorld({ prefix: "/v1/data" });
  const site = followingSite(w);
  await push(w, [sales], {}, { fetch: site.fetch });
  assert.equal(w.output.stdout(), "https://d111.cloudfront.net/v1/data/sales\n");
  assert.ok(site.urls[0]?.startsWith("https://d111.cloudfront.net/v1/data/-/datasette-lambda.json?expect=sales%3A"));

  const local = followingSite(w);
  await push(w, [makeDatabase(join(dir, "other.db"))], { url: "http://127.0.0.1:8001/" }, { fetch: local.fetch });
  assert.ok(local.urls.every((url) => url.startsWith("http://127.0.0.1:8001/-/datasette-lambda.json?expect=other%3A")));
});

test("push: a site that never serves it within the timeout is a warning, not a failure: the data is published", async () => {
  const w = liveWorld({ json: true });
  const never = (async () => new Response("busy", { status: 503 })) as typeof globalThis.fetch;
  const result = await push(w, [sales], {}, { fetch: never, waitTimeoutMs: 10_000 });
  assert.equal(result.wait, "timed-out");
  assert.match(
    w.output.stderr(),
    new RegExp(
      /warning: https:\/\/d111\.cloudfront\.net\/ did not serve sales within 10 s \(last answer: HTTP 503\)\. /.source +
        /It is published: running instances pick it up within 15 s of their next request; see datasette-lambda ls site\./.source,
    ),
  );
  assert.ok(servedIn(w).sales);
});

test("push: an answer that is not the status page (a 404, say) is waited past, and named if the wait times out", async () => {
  const w = liveWorld({ json: true });
  const missing = (async () => new Response("Not found", { status: 404 })) as typeof globalThis.fetch;
  const result = await push(w, [sales], {}, { fetch: missing, waitTimeoutMs: 5000, pollMs: 1000 });
  assert.equal(result.wait, "timed-out");
  assert.match(w.output.stderr(), /did not serve sales within 5 s \(last answer: HTTP 404\)/);
});

test("push: says when a live database replaces one deployed by update-stack", async () => {
  const w = liveWorld({ json: true });
  w.bucket.put(
    "live/deployed.json",
    JSON.stringify({
      format: 1,
      databases: { sales: { sha256: "0".repeat(64), bytes: 1, tables: {}, location: "inline", source: "sales.db" } },
      deployedAt: "2026-11-30T10:00:00Z",
    }),
  );
  const result = await push(w, [sales], { wait: false });
  assert.equal(result.databases[0]?.replacesDeployed, true);
  assert.match(
    w.output.stderr(),
    /sales replaces the database of that name deployed by update-stack while it is live \(rm site sales brings that one back\)\./,
  );
});

test("push: a malformed data file or a broken database is refused before anything reaches the bucket", async () => {
  const w = liveWorld();
  const csv = join(dir, "data.csv");
  writeFileSync(csv, "id,name\n1,a\n2,b,c\n");
  await assert.rejects(push(w, [sales, csv]), (error: unknown) => error instanceof UserError && /data\.csv:3: /.test(error.message));
  const notSqlite = join(dir, "broken.db");
  writeFileSync(notSqlite, "this is not a database");
  await assert.rejects(push(w, [notSqlite]), /broken\.db: not an SQLite database/);
  assert.equal(w.bucket.mock.calls().length, 0, "no S3 call at all");
});

test("push: a converter's error stops it before any upload, and its work directory is removed", async () => {
  const w = liveWorld();
  let workDir = "";
  const failing: ConvertDataFiles = async (_files, options) => {
    workDir = options.workDir;
    writeFileSync(join(options.workDir, "partial.db"), "x");
    throw new UserError("data.csv:3: expected 2 columns, got 3");
  };
  await assert.rejects(push(w, ["data.csv"], {}, { convert: failing }), { message: "data.csv:3: expected 2 columns, got 3" });
  assert.equal(w.bucket.mock.calls().length, 0);
  const { existsSync } = await import("node:fs");
  assert.equal(existsSync(workDir), false);
});

test("push: options are checked before any AWS call", async () => {
  const w = liveWorld();
  for (const [files, options, message] of [
    [[], {}, /at least one file/],
    [[sales], { into: "a b" }, /--into: "a b" is not a database name/],
    [[sales], { url: "http://x/", wait: false }, /--url .* --no-wait/],
    [[sales], { url: "not a url" }, /--url "not a url" is not a URL/],
    [[sales], { url: "ftp://x/" }, /not an http\(s\) address/],
  ] as [string[], PushOptions, RegExp][]) {
    await assert.rejects(
      push(w, files, options),
      (error: unknown) => error instanceof UserError && message.test(error.message),
      String(message),
    );
  }
  await assert.rejects(runPush("not a site", [sales], {}, deps(w)), /invalid site name/);
  assert.equal(w.cfn.mock.commandCalls(DescribeStacksCommand).length, 0);
  assert.equal(checkPushOptions([sales], { url: "https://x.example/p/" }).url?.toString(), "https://x.example/p/");
});

test("push: an unknown site is refused as tail-logs refuses it", async () => {
  const w = liveWorld();
  await assert.rejects(runPush("nope", [sales], {}, deps(w)), {
    message: "No site named nope in eu-west-1 (stack nope-lambda not found).",
    hint: "Deploy it with update-stack, or check --region/--profile.",
  });
});

test("push: live data turned off (LiveCheckSeconds 0) publishes, warns, and does not wait", async () => {
  const w = liveWorld({ liveCheckSeconds: "0", json: true });
  const site = followingSite(w);
  const result = await push(w, [sales], {}, { fetch: site.fetch });
  assert.equal(result.wait, "skipped");
  assert.equal(site.urls.length, 0);
  assert.match(w.output.stderr(), /Live data is off for site/);
});

test("checkConverted: names by the name rule, never two alike (ignoring case), whatever converter made them", () => {
  const db = (name: string, source: string) => ({
    name,
    path: "/x",
    fileName: `${name}.db`,
    bytes: 1,
    sha256: "a",
    tables: {},
    sources: [`/in/${source}`],
  });
  checkConverted([db("a", "a.csv"), db("b", "b.csv")]);
  assert.throws(() => checkConverted([db("a", "a.csv"), db("a", "a.json")]), {
    message: 'a.csv and a.json would both be served as the database "a"',
  });
  assert.throws(() => checkConverted([db("a", "a.csv"), db("A", "A.json")]), {
    message: 'a.csv and A.json would be served as the databases "a" and "A", whose names differ only in case',
  });
  assert.throws(() => checkConverted([db("a.b", "a.b.csv")]), {
    message: 'a.b.csv: "a.b" is not a database name: use only letters, digits, _ and -; rename the file',
  });
});

test("push: a failure after some databases are published says which, on the error as thrown", async () => {
  const w = liveWorld();
  const first = makeDatabase(join(dir, "first.db"), { a: 1 });
  const second = makeDatabase(join(dir, "second.db"), { b: 1 });
  w.bucket.beforePut = (key) => {
    if (key.endsWith("/second.db"))
      throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
  };
  await assert.rejects(push(w, [first, second], { wait: false }), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.equal(error.resource, "site-bucket-1a2b");
    assert.match(error.message, /Access Denied/);
    assert.match(error.hint ?? "", /^first is published; the rest is not\. Your AWS identity is not allowed to do this\./);
    return true;
  });
  assert.deepEqual(Object.keys(servedIn(w)), ["first"]);
});
