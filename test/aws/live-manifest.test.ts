import assert from "node:assert/strict";
import { test } from "node:test";
import { PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { backoffMs, readLiveManifest, updateLiveManifest } from "../../src/aws/live-manifest.ts";
import { AwsError, UserError } from "../../src/errors.ts";
import {
  liveDatabaseKey,
  LIVE_MANIFEST_KEY,
  parseLiveManifest,
  serializeLiveManifest,
  withPublished,
  type LiveDatabase,
} from "../../src/live/manifest.ts";
import { etagOf, FakeBucket } from "../_helpers/fake-artifact-bucket.ts";

const entry = (name: string, sha: string): LiveDatabase => ({
  key: liveDatabaseKey(sha.repeat(64), name),
  sha256: sha.repeat(64),
  bytes: 1,
  tables: {},
});
const publish = (name: string, sha: string) => (current: Parameters<typeof withPublished>[0]) =>
  withPublished(current, [{ name, entry: entry(name, sha), sources: [] }]);
const manifestIn = (bucket: FakeBucket) => parseLiveManifest(bucket.objects.get(LIVE_MANIFEST_KEY)?.toString() ?? "");
const puts = (bucket: FakeBucket) => bucket.mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input as PutObjectCommandInput);
const noSleep = { sleep: async () => {}, random: () => 0.5 };

test("read: no manifest is an empty one without an ETag; one that is there comes with its ETag", async () => {
  const bucket = new FakeBucket();
  assert.deepEqual(await readLiveManifest(bucket.client, bucket.name), {
    manifest: { format: 1, databases: {}, failed: {} },
    etag: undefined,
  });
  const text = serializeLiveManifest({ format: 1, databases: { a: entry("a", "a") }, failed: {} });
  bucket.put(LIVE_MANIFEST_KEY, text);
  const read = await readLiveManifest(bucket.client, bucket.name);
  assert.equal(read.etag, etagOf(Buffer.from(text)));
  assert.deepEqual(Object.keys(read.manifest.databases), ["a"]);
});

test("read: a manifest this version cannot read is an AwsError naming it, with what to do", async () => {
  const bucket = new FakeBucket();
  bucket.put(LIVE_MANIFEST_KEY, '{"format": 7}');
  await assert.rejects(readLiveManifest(bucket.client, bucket.name), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.match(error.message, /live\/manifest\.json is not a live manifest.*format 7/);
    assert.match(error.hint ?? "", /aws s3 rm s3:\/\/site-bucket\/live\/manifest\.json/);
    return true;
  });
});

test("update: the first write creates the manifest with If-None-Match: *, the next replaces it with If-Match: <etag>", async () => {
  const bucket = new FakeBucket();
  const first = await updateLiveManifest(bucket.client, bucket.name, publish("a", "a"), noSleep);
  assert.deepEqual([first.written, first.attempts], [true, 1]);
  const etag = etagOf(bucket.objects.get(LIVE_MANIFEST_KEY)!);
  await updateLiveManifest(bucket.client, bucket.name, publish("b", "b"), noSleep);
  assert.deepEqual(
    puts(bucket).map((put) => [put.IfNoneMatch, put.IfMatch]),
    [
      ["*", undefined],
      [undefined, etag],
    ],
  );
  assert.deepEqual(Object.keys(manifestIn(bucket).databases).sort(), ["a", "b"]);
  assert.equal(puts(bucket)[1]?.Key, LIVE_MANIFEST_KEY);
  assert.equal(puts(bucket)[1]?.ContentType, "application/json");
});

test("update: a change that returns undefined writes nothing", async () => {
  const bucket = new FakeBucket();
  const result = await updateLiveManifest(bucket.client, bucket.name, () => undefined, noSleep);
  assert.deepEqual([result.written, result.attempts], [false, 1]);
  assert.equal(puts(bucket).length, 0);
});

test("update: another publish writing in between (412) is read again and kept; the change is applied to the new manifest", async () => {
  const bucket = new FakeBucket();
  await updateLiveManifest(bucket.client, bucket.name, publish("a", "a"), noSleep);
  // Another publisher writes "b" after we read and before our PUT, twice.
  let races = 2;
  bucket.beforePut = async () => {
    if (races-- > 0)
      bucket.put(
        LIVE_MANIFEST_KEY,
        serializeLiveManifest(
          withPublished(manifestIn(bucket), [{ name: `other${races}`, entry: entry(`other${races}`, "c"), sources: [] }]),
        ),
      );
  };
  const retries: number[] = [];
  const sleeps: number[] = [];
  const result = await updateLiveManifest(bucket.client, bucket.name, publish("b", "b"), {
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    onRetry: (attempt) => retries.push(attempt),
  });
  assert.deepEqual([result.written, result.attempts], [true, 3]);
  assert.deepEqual(retries, [1, 2]);
  assert.deepEqual(sleeps, [50, 100], "jittered exponential backoff");
  assert.deepEqual(Object.keys(manifestIn(bucket).databases).sort(), ["a", "b", "other0", "other1"], "nothing lost");
});

test("update: the manifest deleted between our read and our PUT (404 on If-Match) is read again and created", async () => {
  const bucket = new FakeBucket();
  await updateLiveManifest(bucket.client, bucket.name, publish("a", "a"), noSleep);
  let once = true;
  bucket.beforePut = async (key) => {
    if (once && key === LIVE_MANIFEST_KEY) {
      once = false;
      bucket.delete(LIVE_MANIFEST_KEY);
    }
  };
  const result = await updateLiveManifest(bucket.client, bucket.name, publish("b", "b"), noSleep);
  assert.equal(result.attempts, 2);
  assert.deepEqual(Object.keys(manifestIn(bucket).databases), ["b"]);
  assert.equal(puts(bucket).at(-1)?.IfNoneMatch, "*");
});

test("update: 409 ConditionalRequestConflict is retried too", async () => {
  const bucket = new FakeBucket();
  let conflicts = 1;
  bucket.beforePut = async () => {
    if (conflicts-- > 0)
      throw Object.assign(new Error("conflict"), { name: "ConditionalRequestConflict", $metadata: { httpStatusCode: 409 } });
  };
  const result = await updateLiveManifest(bucket.client, bucket.name, publish("a", "a"), noSleep);
  assert.equal(result.attempts, 2);
});

test("update: gives up after 10 lost races with an AwsError saying to run again; other errors are not retried", async () => {
  const bucket = new FakeBucket();
  let round = 0;
  // A different manifest every time (the same bytes would have the same ETag).
  bucket.beforePut = async () =>
    bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest({ format: 1, databases: { [`x${round++}`]: entry("x", "c") }, failed: {} }));
  let calls = 0;
  await assert.rejects(
    updateLiveManifest(
      bucket.client,
      bucket.name,
      (current) => {
        calls++;
        return publish("a", "a")(current);
      },
      noSleep,
    ),
    (error: unknown) => error instanceof AwsError && /10 attempts/.test(error.message) && /run the command again/.test(error.hint ?? ""),
  );
  assert.equal(calls, 10);

  const denied = new FakeBucket();
  denied.beforePut = async () => {
    throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
  };
  await assert.rejects(updateLiveManifest(denied.client, denied.name, publish("a", "a"), noSleep), (error: unknown) => {
    return error instanceof AwsError && /Writing s3:\/\/site-bucket\/live\/manifest\.json failed: Access Denied/.test(error.message);
  });
  assert.equal(puts(denied).length, 1);
});

test("update: an error thrown by the change stops the update as it is", async () => {
  const bucket = new FakeBucket();
  await assert.rejects(
    updateLiveManifest(bucket.client, bucket.name, () => {
      throw new UserError("not live");
    }),
    { message: "not live" },
  );
  assert.equal(puts(bucket).length, 0);
});

test("backoffMs: grows, is capped, jittered between half and all of it", () => {
  assert.equal(
    backoffMs(1, () => 0),
    50,
  );
  assert.equal(
    backoffMs(1, () => 0.999999),
    99.99995,
  );
  assert.equal(
    backoffMs(4, () => 0),
    400,
  );
  assert.equal(
    backoffMs(20, () => 0),
    1500,
  );
});
