import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { MIN_AGE_MS } from "../../src/aws/garbage.ts";
import { collectLiveGarbage, decideLiveGarbage } from "../../src/aws/live-garbage.ts";
import { liveDatabaseKey, LIVE_MANIFEST_KEY, serializeLiveManifest, type LiveManifest } from "../../src/live/manifest.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const MINUTE = 60_000;
const key = (c: string, name: string) => liveDatabaseKey(c.repeat(64), name);
const manifestNaming = (...keys: string[]): LiveManifest => ({
  format: 1,
  databases: Object.fromEntries(keys.map((k, i) => [`db${i}`, { key: k, sha256: k.split("/")[2]!, bytes: 1, tables: {} }])),
  failed: {},
});

test("decide: only old live/db/ objects that the manifest does not name", () => {
  const objects = [
    { key: key("a", "named"), lastModified: new Date(NOW - 60 * MINUTE) },
    { key: key("b", "old"), lastModified: new Date(NOW - MIN_AGE_MS) },
    { key: key("c", "young"), lastModified: new Date(NOW - MIN_AGE_MS + 1) },
    { key: key("d", "unknown-age"), lastModified: undefined },
    { key: "live/manifest.json", lastModified: new Date(NOW - 60 * MINUTE) },
    { key: "db/old/deployed.db", lastModified: new Date(NOW - 60 * MINUTE) },
  ];
  assert.deepEqual(decideLiveGarbage({ objects, manifest: manifestNaming(key("a", "named")), now: NOW, minAgeMs: MIN_AGE_MS }), [
    key("b", "old"),
  ]);
  assert.deepEqual(decideLiveGarbage({ objects, manifest: manifestNaming(), now: NOW, minAgeMs: 0 }), [
    key("a", "named"),
    key("b", "old"),
    key("c", "young"),
  ]);
});

test("collect: lists live/db/ before reading the manifest, deletes what decide says, reports refusals", async () => {
  const bucket = new FakeBucket();
  bucket.now = () => NOW;
  bucket.put(key("a", "named"), "x", NOW - 60 * MINUTE);
  bucket.put(key("b", "old"), "x", NOW - 60 * MINUTE);
  bucket.put(key("c", "young"), "x", NOW - MINUTE);
  bucket.put("db/other/deployed.db", "x", NOW - 60 * MINUTE);
  bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest(manifestNaming(key("a", "named"))));

  const result = await collectLiveGarbage(bucket.client, bucket.name, { now: () => NOW });
  assert.deepEqual(result, { deleted: [key("b", "old")], failed: [] });
  assert.deepEqual(
    [...bucket.objects.keys()].sort(),
    ["db/other/deployed.db", key("a", "named"), key("c", "young"), LIVE_MANIFEST_KEY].sort(),
  );
  const order = bucket.mock.calls().map((call) => (call.args[0] as object).constructor.name);
  assert.ok(order.indexOf(ListObjectsV2Command.name) < order.indexOf(GetObjectCommand.name), order.join(" "));

  bucket.put(key("e", "stuck"), "x", NOW - 60 * MINUTE);
  bucket.mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: key("e", "stuck"), Code: "AccessDenied", Message: "no" }] });
  assert.deepEqual(await collectLiveGarbage(bucket.client, bucket.name, { now: () => NOW }), {
    deleted: [],
    failed: [{ key: key("e", "stuck"), reason: "AccessDenied no" }],
  });
});

test("collect: without a manifest every old database goes (nothing is served live)", async () => {
  const bucket = new FakeBucket();
  bucket.put(key("a", "x"), "x", NOW - 60 * MINUTE);
  assert.deepEqual((await collectLiveGarbage(bucket.client, bucket.name, { now: () => NOW })).deleted, [key("a", "x")]);
});
