// End to end: the real CLI's push, ls and rm against a local moto server, on a
// site deployed straight through the SDK with the real templates
// (test/_helpers/moto-site.ts). What this proves: the files reach the bucket
// under content-addressed keys, the manifest names them (two pushes at once
// included: the harness's moto makes conditional PUTs atomic, as S3 does), ls
// and rm read and change it, and a bad file is refused before anything is
// uploaded. The site itself cannot run on moto (no Lambda without Docker): the
// wait is proven against a small HTTP server here that answers the status page
// from the manifest, as the stub does (the stub's own tests cover the stub).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { pushFiles } from "../../src/artifacts/push-files.ts";
import { runPush } from "../../src/commands/push.ts";
import { cliEnv, runCli } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { motoEnv, startMoto } from "../_helpers/moto.ts";
import { deploySiteWithSdk, motoClients, type SdkSite } from "../_helpers/moto-site.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const moto = await startMoto();
after(() => moto.stop());

const env = motoEnv(moto.endpoint, cliEnv());
const { s3 } = motoClients(moto);
const dir = tempDir();

interface PushJson {
  site: string;
  url: string;
  databases: {
    name: string;
    url: string;
    key: string;
    sha256: string;
    bytes: number;
    tables: Record<string, { count: number }>;
    dataAsOf: string | null;
    source: string | null;
    changed: boolean;
    replacesDeployed: boolean;
  }[];
  uploaded: { files: number; bytes: number };
  wait: string;
}

async function keys(bucket: string, prefix = ""): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? "").sort();
}

async function manifestOf(
  bucket: string,
): Promise<{ databases: Record<string, { key: string; sha256: string; source?: string }>; failed: Record<string, unknown> }> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "live/manifest.json" }));
  return JSON.parse(await response.Body!.transformToString()) as never;
}

function database(name: string, rows: number): string {
  return makeDatabase(join(dir, `${name}.db`), { [name]: rows });
}

/** Answers /-/datasette-lambda.json from the site's live manifest, as a running site would. */
async function statusServer(bucket: string): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (!request.url?.startsWith("/-/datasette-lambda.json")) {
      response.writeHead(404).end("not found");
      return;
    }
    manifestOf(bucket).then(
      (manifest) => {
        const databases = Object.fromEntries(
          Object.entries(manifest.databases).map(([name, db]) => [name, { sha256: db.sha256, live: true }]),
        );
        response
          .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
          .end(JSON.stringify({ databases, manifestEtag: "e", checkedAt: "t" }));
      },
      () => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ databases: {} })),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as { port: number };
  after(() => server.close());
  return { url: `http://127.0.0.1:${address.port}/`, requests, server };
}

let site: SdkSite;
test("setup: a site deployed on moto", async () => {
  site = await deploySiteWithSdk(moto, "Live-Site");
});

test("push --no-wait --json publishes the database under its content-addressed key and returns", async () => {
  const result = await runCli(["push", site.name, database("sales", 3), "--no-wait", "--json"], { env });
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout) as PushJson;
  assert.equal(json.site, site.name);
  assert.equal(json.url, site.outputs.SiteUrl);
  assert.equal(json.wait, "skipped");
  const [db] = json.databases;
  assert.equal(db?.name, "sales");
  assert.equal(db?.url, `${site.outputs.SiteUrl}sales`);
  assert.match(db?.key ?? "", /^live\/db\/[0-9a-f]{64}\/sales\.db$/);
  assert.deepEqual(db?.tables, { sales: { count: 3 } });
  assert.equal(db?.source, "sales.db");
  assert.equal(json.uploaded.files, 1);
  assert.ok((await keys(site.bucket, "live/db/")).includes(db!.key));
  const manifest = await manifestOf(site.bucket);
  assert.equal(manifest.databases.sales?.sha256, db?.sha256);
});

test("push waits (with progress) until the site serves the new bytes, then prints the URL", async () => {
  const status = await statusServer(site.bucket);
  const result = await runCli(["push", site.name, database("animals", 5), "--url", status.url], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${site.outputs.SiteUrl}animals\n`);
  assert.match(result.stderr, /Waiting for http:\/\/127\.0\.0\.1:\d+\/ to serve it\.\.\./);
  assert.match(result.stderr, /Served after \d+ s/);
  assert.ok(status.requests.length >= 1);
  assert.ok(
    status.requests.every((url) => /^\/-\/datasette-lambda\.json\?_=\d+$/.test(url)),
    status.requests.join(" "),
  );
});

test("ls lists what is served (live and deployed) and failed files with their reasons; --json", async () => {
  // What update-stack and the converter function would have written.
  await s3.send(
    new PutObjectCommand({
      Bucket: site.bucket,
      Key: "live/deployed.json",
      Body: JSON.stringify({
        format: 1,
        databases: {
          fixtures: { sha256: "f".repeat(64), bytes: 8192, tables: { items: { count: 3 } }, location: "inline", source: "fixtures.db" },
        },
        deployedAt: "2026-12-01T10:00:00Z",
      }),
    }),
  );
  const manifest = await manifestOf(site.bucket);
  await s3.send(
    new PutObjectCommand({
      Bucket: site.bucket,
      Key: "live/manifest.json",
      Body: JSON.stringify({
        ...manifest,
        failed: { "bad.csv": { reason: "bad.csv:3: expected 2 columns, got 3", at: "2026-12-01T10:01:00Z", key: "failed/bad.csv" } },
      }),
    }),
  );

  // A file just dropped into incoming/ is being converted, not waiting (src/live/waiting.ts ages them).
  await s3.send(new PutObjectCommand({ Bucket: site.bucket, Key: "incoming/fresh.csv", Body: "a,b\n1,2\n" }));

  const text = await runCli(["ls", site.name], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stdout, /Not converted|waiting since/);
  const lines = text.stdout.split("\n");
  assert.match(lines[0] ?? "", /^DATABASE +KIND +SIZE +DATA AS OF +TABLES +SOURCE$/);
  assert.match(text.stdout, /^animals +live +.* animals \(5\) +animals\.db$/m);
  assert.match(text.stdout, /^fixtures +deployed +8\.0 KB +- +items \(3\) +fixtures\.db$/m);
  assert.match(text.stdout, /^sales +live +/m);
  assert.match(text.stdout, /Failed files .*\n {2}bad\.csv {2}2026-12-01 10:01 UTC {2}bad\.csv:3: expected 2 columns, got 3/);

  const json = await runCli(["ls", site.name, "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const listing = JSON.parse(json.stdout) as {
    databases: { name: string; live: boolean }[];
    failed: { source: string; reason: string }[];
    waiting: { key: string; since: string }[];
    deployedKnown: boolean;
  };
  assert.deepEqual(listing.waiting, []);
  assert.deepEqual(
    listing.databases.map((db) => [db.name, db.live]),
    [
      ["animals", true],
      ["fixtures", false],
      ["sales", true],
    ],
  );
  assert.deepEqual(
    listing.failed.map((f) => [f.source, f.reason]),
    [["bad.csv", "bad.csv:3: expected 2 columns, got 3"]],
  );
  assert.equal(listing.deployedKnown, true);
});

test("two pushes at once both land", async () => {
  const [a, b] = await Promise.all([
    runCli(["push", site.name, database("first", 1), "--no-wait"], { env }),
    runCli(["push", site.name, database("second", 2), "--no-wait"], { env }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const names = Object.keys((await manifestOf(site.bucket)).databases).sort();
  assert.deepEqual(names, ["animals", "first", "sales", "second"]);
});

test("rm stops serving a live database (--json); a deployed or unknown name is a clear error", async () => {
  const removed = await runCli(["rm", site.name, "first", "--yes", "--json"], { env });
  assert.equal(removed.code, 0, removed.stderr);
  const json = JSON.parse(removed.stdout) as {
    site: string;
    name: string;
    removed: { key: string };
    deployedServedAgain: boolean;
    cancelled: boolean;
  };
  assert.equal(json.name, "first");
  assert.equal(json.cancelled, false);
  assert.match(json.removed.key, /^live\/db\/[0-9a-f]{64}\/first\.db$/);
  assert.ok(!("first" in (await manifestOf(site.bucket)).databases));

  const deployed = await runCli(["rm", site.name, "fixtures", "--yes"], { env });
  assert.equal(deployed.code, 1);
  assert.match(deployed.stderr, /^Error: fixtures on Live-Site was deployed by update-stack, not pushed/m);
  const unknown = await runCli(["rm", site.name, "nope", "--yes"], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^Error: Live-Site has no live database named nope\.\nLive databases: animals, sales, second\./m);
  const noTerminal = await runCli(["rm", site.name, "sales"], { env });
  assert.equal(noTerminal.code, 1);
  assert.match(noTerminal.stderr, /--yes/);
  assert.ok("sales" in (await manifestOf(site.bucket)).databases);
});

test("a bad file is refused before anything is uploaded", async () => {
  const before = await keys(site.bucket);
  const manifestBefore = JSON.stringify(await manifestOf(site.bucket));
  const csv = join(dir, "data.csv");
  // A good database beside a CSV whose third line has a field too many: nothing of either goes up.
  writeFileSync(csv, "id,name\n1,a\n2,b,c\n");
  const refused = await runCli(["push", site.name, database("good", 1), csv], { env });
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, /^Error: .*data\.csv:3: /m);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");
  const corrupt = join(dir, "corrupt.db");
  writeFileSync(corrupt, "SQLite format 3\0 but not really");
  const broken = await runCli(["push", site.name, corrupt], { env });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /corrupt\.db/);
  assert.deepEqual(await keys(site.bucket), before);
  assert.equal(JSON.stringify(await manifestOf(site.bucket)), manifestBefore);
});

test("push, ls and rm on a site that does not exist say so in one line", async () => {
  for (const args of [
    ["push", "No-Such-Site", database("x", 1)],
    ["ls", "No-Such-Site"],
    ["rm", "No-Such-Site", "x", "--yes"],
  ]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.stderr, /^Error: No site named No-Such-Site in us-east-1 \(stack No-Such-Site-lambda not found\)\./m);
  }
});

test("a replaced database's old file stays while young (the CLI); with clean-up's minimum age injected as 0 it goes", async () => {
  const old = (await manifestOf(site.bucket)).databases.sales!.key;
  mkdirSync(join(dir, "v2"));
  mkdirSync(join(dir, "v3"));
  const v2 = makeDatabase(join(dir, "v2", "sales.db"), { sales: 9 });
  const young = await runCli(["push", site.name, v2, "--no-wait"], { env });
  assert.equal(young.code, 0, young.stderr);
  assert.ok((await keys(site.bucket, "live/db/")).includes(old), "younger than 15 minutes: kept");
  const v3 = makeDatabase(join(dir, "v3", "sales.db"), { sales: 10 });
  // push's core in this process, as the CLI runs it but for clean-up's age (the CLI has no setting for it).
  const collected = recordingOutput();
  await runPush(
    site.name,
    [v3],
    { wait: false },
    { clients: motoClients(moto), output: collected.out, convert: pushFiles, garbage: { minAgeMs: 0 } },
  );
  const manifest = await manifestOf(site.bucket);
  assert.deepEqual(
    await keys(site.bucket, "live/db/"),
    Object.values(manifest.databases)
      .map((db) => db.key)
      .sort(),
    "exactly what the manifest names",
  );
  assert.ok(!(await keys(site.bucket, "live/db/")).includes(old));
  assert.match(collected.stderr(), /Deleted \d+ old database files? from the bucket\./);
});

test("delete-stack still removes everything: live data, failed files, both log groups", async () => {
  await s3.send(new PutObjectCommand({ Bucket: site.bucket, Key: "failed/bad.csv", Body: "id\n1,2\n" }));
  await s3.send(
    new PutObjectCommand({ Bucket: site.bucket, Key: "failed/bad.csv.error.txt", Body: "bad.csv:2: expected 1 column, got 2\n" }),
  );
  const result = await runCli(["delete-stack", site.name, "--yes"], { env });
  assert.equal(result.code, 0, result.stderr);
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: site.bucket })), { name: "NotFound" });
  const { logGroups } = await new CloudWatchLogsClient(moto.clientConfig).send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: site.outputs.LogGroupName }),
  );
  assert.deepEqual(logGroups, [], "the site's and the converter's");
});
