import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { bucketExists, countObjects, deleteBucket, emptyBucket } from "../../src/aws/empty-bucket.ts";
import { AwsError, InterruptedError } from "../../src/errors.ts";
import { FakeS3Versions, versionedEntries } from "../_helpers/fake-s3-versions.ts";

test("a versioned bucket with 1,300 objects x 2 versions + delete markers is emptied in batches of at most 1,000", async () => {
  const s3 = new FakeS3Versions();
  const bucket = s3.add("site-bucket", { versioning: "Enabled", entries: versionedEntries(1300, 2, true) });
  assert.equal(bucket.entries.length, 3900);
  const progress: number[] = [];
  const result = await emptyBucket(s3.client, "site-bucket", { onProgress: (n) => progress.push(n) });
  assert.deepEqual(result, { existed: true, deleted: 3900 });
  assert.equal(bucket.entries.length, 0);
  assert.deepEqual(s3.batches, [1000, 1000, 1000, 900]);
  assert.deepEqual(progress, [1000, 2000, 3000, 3900]);
  // Delete markers were deleted by version id, like every version.
  const sent = s3.mock.commandCalls(DeleteObjectsCommand).flatMap((call) => call.args[0].input.Delete?.Objects ?? []);
  assert.ok(sent.some((o) => o.VersionId === "dm"));
  assert.ok(sent.every((o) => o.VersionId !== undefined));
  assert.equal(s3.mock.commandCalls(ListObjectsV2Command).length, 0);
});

test("a suspended-versioning bucket still has its old versions deleted", async () => {
  const s3 = new FakeS3Versions();
  s3.add("b", {
    versioning: "Suspended",
    entries: [
      { key: "a", versionId: "v1" },
      { key: "a", versionId: "null" },
    ],
  });
  assert.equal((await emptyBucket(s3.client, "b")).deleted, 2);
  assert.ok(s3.mock.commandCalls(ListObjectVersionsCommand).length > 0);
});

test("an unversioned bucket is emptied by key", async () => {
  const s3 = new FakeS3Versions();
  const bucket = s3.add("b", { entries: versionedEntries(2500) });
  const result = await emptyBucket(s3.client, "b");
  assert.equal(result.deleted, 2500);
  assert.equal(bucket.entries.length, 0);
  assert.deepEqual(s3.batches, [1000, 1000, 500]);
  const sent = s3.mock.commandCalls(DeleteObjectsCommand).flatMap((call) => call.args[0].input.Delete?.Objects ?? []);
  assert.ok(sent.every((o) => o.VersionId === undefined));
  assert.equal(s3.mock.commandCalls(ListObjectVersionsCommand).length, 0);
});

test("objects written while emptying are deleted too: it loops until a listing is empty", async () => {
  const s3 = new FakeS3Versions();
  const bucket = s3.add("b", { versioning: "Enabled", entries: versionedEntries(3) });
  let writes = 0;
  s3.afterDelete = (b) => {
    if (writes++ === 0) b.entries.push({ key: "incoming/new.csv", versionId: "x" });
  };
  const result = await emptyBucket(s3.client, "b");
  assert.equal(result.deleted, 4);
  assert.equal(bucket.entries.length, 0);
});

test("an empty bucket takes one listing; a missing bucket is skipped", async () => {
  const s3 = new FakeS3Versions();
  s3.add("empty", { entries: [] });
  assert.deepEqual(await emptyBucket(s3.client, "empty"), { existed: true, deleted: 0 });
  assert.equal(s3.batches.length, 0);
  assert.deepEqual(await emptyBucket(s3.client, "gone"), { existed: false, deleted: 0 });
});

test("DeleteObjects errors stop with the key and the reason", async () => {
  const s3 = new FakeS3Versions();
  s3.add("b", { versioning: "Enabled", entries: versionedEntries(2) });
  s3.mock
    .on(DeleteObjectsCommand)
    .resolves({ Errors: [{ Key: "db/00000/data.db", VersionId: "v0", Code: "AccessDenied", Message: "Access Denied" }] });
  await assert.rejects(emptyBucket(s3.client, "b"), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.match(error.message, /Could not delete 1 object\(s\) from bucket b, e\.g\. db\/00000\/data\.db: AccessDenied Access Denied/);
    assert.match(error.hint ?? "", /run delete-stack again/);
    return true;
  });
});

test("an object that stays after a successful delete does not loop forever", async () => {
  const s3 = new FakeS3Versions();
  s3.add("b", { versioning: "Enabled", entries: versionedEntries(1) });
  s3.mock.on(DeleteObjectsCommand).resolves({});
  await assert.rejects(emptyBucket(s3.client, "b"), /still holds db\/00000\/data\.db \(version v0\)/);
});

test("an abort stops between batches with advice to run again", async () => {
  const s3 = new FakeS3Versions();
  s3.add("b", { versioning: "Enabled", entries: versionedEntries(2500) });
  const controller = new AbortController();
  await assert.rejects(
    emptyBucket(s3.client, "b", { signal: controller.signal, command: "delete-stack site", onProgress: () => controller.abort() }),
    (error: unknown) => error instanceof InterruptedError && /1000 deleted so far\); run delete-stack site again/.test(error.message),
  );
});

test("countObjects: one listing, 'more' when truncated, undefined when the bucket is gone", async () => {
  const s3 = new FakeS3Versions();
  s3.add("small", { versioning: "Enabled", entries: versionedEntries(3, 2) });
  s3.add("big", { entries: versionedEntries(1500) });
  assert.deepEqual(await countObjects(s3.client, "small"), { count: 6, more: false });
  assert.deepEqual(await countObjects(s3.client, "big"), { count: 1000, more: true });
  assert.equal(await countObjects(s3.client, "gone"), undefined);
});

test("bucketExists and deleteBucket", async () => {
  const s3 = new FakeS3Versions();
  s3.add("b", { entries: [] });
  assert.equal(await bucketExists(s3.client, "b"), true);
  assert.equal(await bucketExists(s3.client, "nope"), false);
  assert.equal(await deleteBucket(s3.client, "b"), true);
  assert.equal(await bucketExists(s3.client, "b"), false);
  assert.equal(await deleteBucket(s3.client, "b"), false);
});
