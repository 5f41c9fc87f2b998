import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DeleteObjectsCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { NotLiveError, publishDatabases, removeDatabase, type PublishItem } from "../../src/aws/live-publish.ts";
import {
  liveDatabaseKey,
  liveEntries,
  LIVE_MANIFEST_KEY,
  parseLiveManifest,
  serializeLiveManifest,
  type LiveDatabase,
} from "../../src/live/manifest.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const NOW = Date.parse("2026-12-01T12:00:00Z");
const HOUR = 3_600_000;
const noSleep = { sleep: async () => {}, random: () => 0.5 };

function item(name: string, content: string, extra: Partial<PublishItem> = {}): PublishItem {
  const path = join(dir, `${name}-${content}.db`);
  writeFileSync(path, content);
  const sha256 = content.charCodeAt(0).toString(16).padStart(2, "0").repeat(32);
  return {
    name,
    path,
    bytes: content.length,
    sha256,
    tables: { [name]: { count: 1 } },
    dataAsOf: "2026-11-30T08:00:00Z",
    sources: [`${name}.csv`],
    nameFrom: { file: `${name}.csv` },
    ...extra,
  };
}

function manifestIn(bucket: FakeBucket) {
  const manifest = parseLiveManifest(bucket.objects.get(LIVE_MANIFEST_KEY)!.toString());
  return { ...liveEntries(manifest), failed: manifest.failed };
}
const putKeys = (bucket: FakeBucket) =>
  bucket.mock.commandCalls(PutObjectCommand).map((call) => (call.args[0].input as PutObjectCommandInput).Key);

function bucketAt(now = NOW): FakeBucket {
  const bucket = new FakeBucket();
  bucket.now = () => now;
  return bucket;
}

test("publish: uploads each database to its content-addressed key and names it in the manifest right after", async () => {
  const bucket = bucketAt();
  bucket.put(
    LIVE_MANIFEST_KEY,
    serializeLiveManifest({
      format: 1,
      databases: {},
      failed: { "sales.csv": { reason: "sales.csv:3: bad", at: "t", key: "failed/sales.csv" } },
    }),
  );
  const sales = item("sales", "s1");
  const animals = item("animals", "a1", { sources: ["a.csv", "b.csv"], dataAsOf: undefined });
  const result = await publishDatabases(bucket.client, bucket.name, [sales, animals], { ...noSleep, now: () => NOW });

  assert.deepEqual(putKeys(bucket), [
    liveDatabaseKey(sales.sha256, "sales"),
    LIVE_MANIFEST_KEY,
    liveDatabaseKey(animals.sha256, "animals"),
    LIVE_MANIFEST_KEY,
  ]);
  assert.equal(bucket.objects.get(liveDatabaseKey(sales.sha256, "sales"))?.toString(), "s1");
  const manifest = manifestIn(bucket);
  assert.deepEqual(manifest.databases.sales, {
    key: liveDatabaseKey(sales.sha256, "sales"),
    sha256: sales.sha256,
    bytes: 2,
    tables: { sales: { count: 1 } },
    dataAsOf: "2026-11-30T08:00:00Z",
    source: "sales.csv",
    publishedAt: "2026-12-01T12:00:00Z",
  });
  assert.equal(manifest.databases.animals?.source, "a.csv, b.csv");
  assert.equal(manifest.databases.animals?.dataAsOf, undefined);
  assert.deepEqual(manifest.failed, {}, "the source that failed before converted now");
  assert.deepEqual(result.uploaded, { files: 2, bytes: 4 });
  assert.deepEqual(
    result.published.map((p) => [p.name, p.changed]),
    [
      ["sales", true],
      ["animals", true],
    ],
  );
  assert.deepEqual(result.garbage, { deleted: [], failed: [] });
});

test("publish: what the manifest already serves is left alone: no upload, no write", async () => {
  const bucket = bucketAt();
  const sales = item("sales", "s1");
  await publishDatabases(bucket.client, bucket.name, [sales], { ...noSleep, now: () => NOW });
  const before = bucket.objects.get(LIVE_MANIFEST_KEY)!.toString();
  const calls = putKeys(bucket).length;
  const again = await publishDatabases(bucket.client, bucket.name, [sales], { ...noSleep, now: () => NOW + HOUR });
  assert.equal(putKeys(bucket).length, calls);
  assert.equal(bucket.objects.get(LIVE_MANIFEST_KEY)!.toString(), before);
  assert.deepEqual(
    again.published.map((p) => [p.name, p.changed, p.entry.publishedAt]),
    [["sales", false, "2026-12-01T12:00:00Z"]],
  );
  assert.deepEqual(again.uploaded, { files: 0, bytes: 0 });
});

test("publish: a key already in the bucket but not named is uploaded again (young again, so clean-up cannot take it first)", async () => {
  const bucket = bucketAt();
  const sales = item("sales", "s1");
  bucket.put(liveDatabaseKey(sales.sha256, "sales"), "s1", NOW - 2 * HOUR);
  await publishDatabases(bucket.client, bucket.name, [sales], { ...noSleep, now: () => NOW });
  assert.equal(putKeys(bucket)[0], liveDatabaseKey(sales.sha256, "sales"));
  assert.equal(bucket.lastModified.get(liveDatabaseKey(sales.sha256, "sales"))?.getTime(), NOW);
});

test("publish: when a later upload fails, the databases before it stay published", async () => {
  const bucket = bucketAt();
  const good = item("good", "g1");
  const broken = { ...item("broken", "b1"), path: join(dir, "does-not-exist.db") };
  const published: string[] = [];
  await assert.rejects(
    publishDatabases(bucket.client, bucket.name, [good, broken], {
      ...noSleep,
      now: () => NOW,
      onPublished: (name) => published.push(name),
    }),
    /does-not-exist\.db/,
  );
  assert.deepEqual(published, ["good"]);
  assert.deepEqual(Object.keys(manifestIn(bucket).databases), ["good"]);
});

test(
  "publish: clean-up runs after (old unnamed databases go, named and young ones stay); " + "its failure is reported, not thrown",
  async () => {
    const bucket = bucketAt();
    bucket.put(liveDatabaseKey("9".repeat(64), "gone"), "x", NOW - 2 * HOUR);
    bucket.put(liveDatabaseKey("8".repeat(64), "young"), "x", NOW - 60_000);
    const result = await publishDatabases(bucket.client, bucket.name, [item("sales", "s1")], { ...noSleep, now: () => NOW });
    assert.deepEqual(result.garbage?.deleted, [liveDatabaseKey("9".repeat(64), "gone")]);
    assert.ok(bucket.objects.has(liveDatabaseKey("8".repeat(64), "young")));

    bucket.mock.on(DeleteObjectsCommand).rejects(Object.assign(new Error("slow down"), { name: "SlowDown" }));
    bucket.put(liveDatabaseKey("7".repeat(64), "old"), "x", NOW - 2 * HOUR);
    const failing = await publishDatabases(bucket.client, bucket.name, [item("other", "o1")], { ...noSleep, now: () => NOW });
    assert.equal(failing.garbage, undefined);
    assert.match(String((failing.garbageError as Error).message), /slow down/);
    assert.ok(manifestIn(bucket).databases.other, "published all the same");
  },
);

test("publish: two publishes at once both land", async () => {
  const bucket = bucketAt();
  await Promise.all([
    publishDatabases(bucket.client, bucket.name, [item("one", "o1")], { ...noSleep, now: () => NOW }),
    publishDatabases(bucket.client, bucket.name, [item("two", "t1")], { ...noSleep, now: () => NOW }),
    publishDatabases(bucket.client, bucket.name, [item("three", "h1")], { ...noSleep, now: () => NOW }),
  ]);
  assert.deepEqual(Object.keys(manifestIn(bucket).databases).sort(), ["one", "three", "two"]);
});

test("remove: drops the entry (the object stays until it is old), then cleans up; NotLiveError when not served", async () => {
  const bucket = bucketAt();
  const sales = item("sales", "s1");
  await publishDatabases(bucket.client, bucket.name, [sales, item("keep", "k1")], { ...noSleep, now: () => NOW });
  const result = await removeDatabase(bucket.client, bucket.name, "sales", { ...noSleep, now: () => NOW });
  assert.equal((result.removed as LiveDatabase).sha256, sales.sha256);
  assert.deepEqual(Object.keys(manifestIn(bucket).databases), ["keep"]);
  assert.ok(bucket.objects.has(liveDatabaseKey(sales.sha256, "sales")), "young: kept for instances still downloading it");
  const later = await removeDatabase(bucket.client, bucket.name, "keep", { ...noSleep, now: () => NOW + HOUR });
  assert.deepEqual(
    later.garbage?.deleted.sort(),
    [liveDatabaseKey("6b".repeat(32), "keep"), liveDatabaseKey(sales.sha256, "sales")].sort(),
  );

  const writes = putKeys(bucket).length;
  await assert.rejects(removeDatabase(bucket.client, bucket.name, "sales", noSleep), NotLiveError);
  assert.equal(putKeys(bucket).length, writes);
});
