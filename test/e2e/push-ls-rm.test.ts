// End to end: the real CLI's push, ls and rm against a local moto server, on a
// site deployed straight through the SDK with the real templates
// (test/_helpers/moto-site.ts), and the real runtime following the site's
// bucket: stub/tests/local_server.py serving the package manifest update-stack
// builds (test/_helpers/local-stub.ts). What this proves: the files reach the
// bucket under content-addressed keys, the manifest names them (two pushes at
// once included: the harness's moto makes conditional PUTs atomic, as S3
// does), the runtime serves what push wrote and push sees it served (on a site
// closed to anonymous visitors too, which learn nothing), ls and rm read and
// change the manifest, an entry no runtime can serve is listed with its reason
// while the others are served, and a bad file or name is refused before
// anything is uploaded. (Lambda itself cannot run on moto without Docker: the
// runtime runs here as one local process, as the stub's own tests run it.)
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { pushFiles } from "../../src/artifacts/push-files.ts";
import { runPush } from "../../src/commands/push.ts";
import { inspectDatabase } from "../../src/inputs/databases.ts";
import { cliEnv, runCli, HOST_BUILD } from "../_helpers/cli.ts";
import { EXAMPLES_DIR } from "../_helpers/contract.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";
import { startLocalStub, type LocalStub } from "../_helpers/local-stub.ts";
import { motoEnv, startMoto } from "../_helpers/moto.ts";
import { deploySiteWithSdk, motoClients, type SdkSite } from "../_helpers/moto-site.ts";
import { samplePlan } from "../_helpers/plan.ts";
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

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

const runtimes: LocalStub[] = [];
after(() => Promise.all(runtimes.map((stub) => stub.stop())));

/** The runtime serving `site`: its package manifest as update-stack builds it for one deployed database, and `metadata`. */
async function runtime(deployedFile: string, metadata: Record<string, unknown>): Promise<LocalStub> {
  const deployed = { ...(await inspectDatabase(deployedFile)), location: "inline" as const };
  const stub = await startLocalStub(moto, site.bucket, samplePlan({ stackName: site.name, databases: [deployed], metadata }));
  runtimes.push(stub);
  return stub;
}

let site: SdkSite;
let open: LocalStub;
let closed: LocalStub;
test("setup: a site deployed on moto, and its runtime, open to all and closed to anonymous visitors", async () => {
  site = await deploySiteWithSdk(moto, "Live-Site");
  const deployed = database("deployed", 2);
  [open, closed] = await Promise.all([runtime(deployed, { title: "Open" }), runtime(deployed, { title: "Closed", allow: { id: "root" } })]);
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

test("push waits until the runtime serves the new bytes, then prints the URL; the runtime serves its rows", async () => {
  const result = await runCli(["push", site.name, database("animals", 5), "--url", open.url], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${site.outputs.SiteUrl}animals\n`);
  assert.match(result.stderr, /Waiting for http:\/\/127\.0\.0\.1:\d+\/ to serve it\.\.\./);
  assert.match(result.stderr, /Served after \d+ s/);
  const rows = await getJson(`${open.url}animals/animals.json?_shape=array`);
  assert.equal(rows.status, 200);
  assert.equal((rows.body as unknown[]).length, 5);
  assert.match(open.log(), /datasette-lambda: live data: added animals/);
});

test("push confirms on a site closed to anonymous visitors, whom the status page tells nothing", async () => {
  const result = await runCli(["push", site.name, database("secret", 2), "--url", closed.url], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Served after \d+ s/);
  assert.equal((await getJson(`${closed.url}secret.json`)).status, 403, "Datasette's own pages refuse the visitor");
  const status = await getJson(`${closed.url}-/datasette-lambda.json`);
  assert.deepEqual(status, { status: 200, body: { databases: {}, manifestEtag: null, checkedAt: null } });
  const open_ = (await getJson(`${open.url}-/datasette-lambda.json`)).body as { databases: Record<string, unknown> };
  assert.ok("secret" in open_.databases, "the same data, on the open site, is listed");
});

test("ls lists what is served (live and deployed), entries no runtime serves and failed files, with their reasons; --json", async () => {
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
  // And entries an older or foreign publisher might write, next to the good ones.
  const manifest = await manifestOf(site.bucket);
  const animals = manifest.databases.animals!;
  await s3.send(
    new PutObjectCommand({
      Bucket: site.bucket,
      Key: "live/manifest.json",
      Body: JSON.stringify({
        ...manifest,
        databases: { ...manifest.databases, _internal: { ...animals, source: "_internal.csv" }, broken: { key: animals.key, bytes: 1 } },
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
  assert.ok(
    text.stdout.includes(
      '\n  _internal  the database name "_internal" is Datasette\'s own database\n  broken  its sha256 is not 64 lower-case hex digits\n',
    ),
    text.stdout,
  );
  assert.match(text.stdout, /\nNot served \(instances keep serving the previous version, if any; rm NAME DB removes an entry\):\n/);
  assert.match(text.stdout, /Failed files .*\n {2}bad\.csv {2}2026-12-01 10:01 UTC {2}bad\.csv:3: expected 2 columns, got 3/);

  const json = await runCli(["ls", site.name, "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const listing = JSON.parse(json.stdout) as {
    databases: { name: string; live: boolean }[];
    unservable: { name: string; reason: string }[];
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
      ["secret", true],
    ],
  );
  assert.deepEqual(
    listing.unservable.map((entry) => entry.name),
    ["_internal", "broken"],
  );
  assert.deepEqual(
    listing.failed.map((f) => [f.source, f.reason]),
    [["bad.csv", "bad.csv:3: expected 2 columns, got 3"]],
  );
  assert.equal(listing.deployedKnown, true);

  // The runtime skips the same two, each with one line giving the same reason, and serves the rest.
  const status = await getJson(`${open.url}-/datasette-lambda.json?expect=animals:${animals.sha256}`);
  assert.deepEqual((status.body as { expected: object }).expected, { animals: true });
  assert.deepEqual(Object.keys((status.body as { databases: object }).databases).sort(), ["animals", "deployed", "sales", "secret"]);
  for (const { name, reason } of listing.unservable) {
    assert.ok(open.log().includes(`skipped the entry "${name}" of live/manifest.json: ${reason};`), `${name}:\n${open.log()}`);
  }
  assert.equal((await getJson(`${open.url}animals/animals.json?_shape=array`)).status, 200);
});

test("rm removes an entry no runtime serves", async () => {
  for (const name of ["_internal", "broken"]) {
    const removed = await runCli(["rm", site.name, name, "--yes"], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      new RegExp(`^Removed the entry ${name}, which no instance served, from the live manifest of Live-Site\\.`),
    );
  }
  assert.deepEqual(Object.keys((await manifestOf(site.bucket)).databases).sort(), ["animals", "sales", "secret"]);
});

test("two pushes at once both land", async () => {
  const [a, b] = await Promise.all([
    runCli(["push", site.name, database("first", 1), "--no-wait"], { env }),
    runCli(["push", site.name, database("second", 2), "--no-wait"], { env }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const names = Object.keys((await manifestOf(site.bucket)).databases).sort();
  assert.deepEqual(names, ["animals", "first", "sales", "second", "secret"]);
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
  assert.match(unknown.stderr, /^Error: Live-Site has no live database named nope\.\nLive databases: animals, sales, second, secret\./m);
  const noTerminal = await runCli(["rm", site.name, "sales"], { env });
  assert.equal(noTerminal.code, 1);
  assert.match(noTerminal.stderr, /--yes/);
  assert.ok("sales" in (await manifestOf(site.bucket)).databases);
});

test("every publisher refuses _internal, _memory and - with the same one line, before anything is uploaded or built", async () => {
  // The lines every publisher gives (the converter function's test checks its own against the same file).
  const cases = JSON.parse(readFileSync(join(EXAMPLES_DIR, "names", "cases.json"), "utf8")) as {
    files: { file: string; error: string | null }[];
  };
  const errors = new Map(cases.files.map((c) => [c.file, c.error]));
  mkdirSync(join(dir, "reserved"));
  writeFileSync(join(dir, "reserved", "_internal.csv"), "id,name\n1,a\n");
  makeDatabase(join(dir, "reserved", "_memory.db"));
  writeFileSync(join(dir, "reserved", "-.csv"), "id\n1\n");
  const before = await keys(site.bucket);
  const manifestBefore = JSON.stringify(await manifestOf(site.bucket));
  const errorLines = (stderr: string) =>
    stderr
      .split("\n")
      .filter((line) => line.startsWith("Error: "))
      .join("\n");
  await Promise.all(
    ["_internal.csv", "_memory.db", "-.csv"].map(async (file) => {
      const path = join(dir, "reserved", file);
      const expected = errors.get(file);
      assert.ok(expected, file);
      const [pushed, deployed] = await Promise.all([
        runCli(["push", site.name, path, "--no-wait"], { env }),
        runCli(["update-stack", "mysite", path, "--dry-run", "--out", join(dir, `out-${file}`), ...HOST_BUILD], { env }),
      ]);
      assert.equal(pushed.code, 1, file);
      assert.equal(pushed.stdout, "");
      assert.equal(errorLines(pushed.stderr), `Error: ${expected}`, pushed.stderr);
      assert.equal(deployed.code, 1, file);
      assert.equal(errorLines(deployed.stderr), `Error: ${expected}`, deployed.stderr);
      assert.doesNotMatch(deployed.stderr, /dependency layer/, "refused before the layer is built");
    }),
  );
  assert.deepEqual(await keys(site.bucket), before, "nothing uploaded");
  assert.equal(JSON.stringify(await manifestOf(site.bucket)), manifestBefore);
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
