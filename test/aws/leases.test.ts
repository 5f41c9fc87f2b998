import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { leaseBody, leaseKey, parseLease, takeLease } from "../../src/aws/leases.ts";
import { AwsError } from "../../src/errors.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";

const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

test("a lease body lists its keys once, sorted; parseLease reads it back and refuses anything else", () => {
  const body = leaseBody(["package/b.zip", "db/a/x.db", "package/b.zip"], new Date("2026-03-01T12:00:00Z"));
  assert.equal(body, '{"keys":["db/a/x.db","package/b.zip"],"started":"2026-03-01T12:00:00.000Z"}\n');
  assert.deepEqual(parseLease(body), ["db/a/x.db", "package/b.zip"]);
  for (const bad of ["", "not json", "null", "[]", '{"keys":"package/a.zip"}', '{"keys":[1]}'])
    assert.equal(parseLease(bad), undefined, bad);
});

test("takeLease writes deploys/<id>.json before it returns; release deletes it, once", async () => {
  const bucket = new FakeBucket();
  const lease = await takeLease(bucket.client, bucket.name, ["layer/l.zip", "package/p.zip"], { id: "abc" });
  assert.equal(lease.key, leaseKey("abc"));
  assert.equal(lease.key, "deploys/abc.json");
  assert.deepEqual(parseLease(bucket.objects.get("deploys/abc.json")?.toString() ?? ""), ["layer/l.zip", "package/p.zip"]);
  await Promise.all([lease.release(), lease.release()]);
  assert.equal(bucket.objects.has("deploys/abc.json"), false);
  assert.equal(bucket.calls(DeleteObjectCommand), 1);
});

test("a random id per run", async () => {
  const bucket = new FakeBucket();
  const [a, b] = await Promise.all([takeLease(bucket.client, bucket.name, []), takeLease(bucket.client, bucket.name, [])]);
  assert.match(a.key, /^deploys\/[0-9a-f]{32}\.json$/);
  assert.notEqual(a.key, b.key);
  await Promise.all([a.release(), b.release()]);
});

test("a lease is rewritten while the run lasts (so a long run's lease never goes stale), and never after release", async () => {
  const bucket = new FakeBucket();
  const lease = await takeLease(bucket.client, bucket.name, ["package/p.zip"], { refreshMs: 5 });
  // Wait for two rewrites (a deadline, not a fixed sleep: a loaded machine runs timers late).
  const deadline = Date.now() + 10_000;
  while (bucket.calls(PutObjectCommand) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const writes = bucket.calls(PutObjectCommand);
  assert.ok(writes >= 3, `rewritten ${writes - 1} times in 10 s`);
  await lease.release();
  const afterRelease = bucket.calls(PutObjectCommand);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(bucket.calls(PutObjectCommand), afterRelease, "no rewrite after release");
  assert.equal(bucket.objects.has(lease.key), false, "no rewrite landed after the delete");
});

test("`await using`: the lease goes however the run ends; a failed delete is reported, not thrown over the run's own error", async () => {
  const bucket = new FakeBucket();
  const run = async () => {
    await using _lease = await takeLease(bucket.client, bucket.name, ["package/p.zip"], { id: "run" });
    assert.ok(bucket.objects.has("deploys/run.json"));
    throw new Error("the deploy failed");
  };
  await assert.rejects(run(), /the deploy failed/);
  assert.equal(bucket.objects.has("deploys/run.json"), false);

  bucket.mock.on(DeleteObjectCommand).rejects(s3Error("AccessDenied", 403));
  const reported: unknown[] = [];
  const run2 = async () => {
    await using _lease = await takeLease(bucket.client, bucket.name, [], { id: "run2", onError: (error) => void reported.push(error) });
    return "deployed";
  };
  assert.equal(await run2(), "deployed");
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof AwsError);
  assert.match((reported[0] as Error).message, /^Deleting s3:\/\/site-bucket\/deploys\/run2\.json/);
});

test("a lease that cannot be written is an AwsError (the deploy stops before touching anything)", async () => {
  const bucket = new FakeBucket();
  bucket.mock.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403));
  await assert.rejects(takeLease(bucket.client, bucket.name, ["package/p.zip"]), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.match(error.message, /^Writing s3:\/\/site-bucket\/deploys\//);
    return true;
  });
});
