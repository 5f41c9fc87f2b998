import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { findMissingArtifacts, uploadArtifacts, type UploadProgress } from "../../src/aws/uploads.ts";
import { AwsError, InterruptedError } from "../../src/errors.ts";
import type { Artifact } from "../../src/plan/types.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";

const MB = 1024 * 1024;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "uploads-test-"));
});
// Run even when --test-name-pattern leaves no test here, and before() with them.
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function artifact(name: string, prefix: string, bytes: Buffer): Promise<Artifact> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { key: `${prefix}${sha256}${name.endsWith(".db") ? `/${name}` : ".zip"}`, path, bytes: bytes.length, sha256 };
}

test("finds the missing keys (and a key holding the wrong size); uploads those, counting files and bytes", async () => {
  const bucket = new FakeBucket();
  const pkg = await artifact("package.zip", "package/", Buffer.from("package bytes"));
  const layer = await artifact("layer.zip", "layer/", Buffer.from("layer bytes, longer"));
  const db = await artifact("data.db", "db/", Buffer.from("sqlite bytes"));
  bucket.put(pkg.key, "package bytes");
  bucket.put(layer.key, "layer"); // a stray object of another size is never trusted

  const missing = await findMissingArtifacts(bucket.client, bucket.name, [pkg, layer, db, db]);
  assert.deepEqual(missing, [layer, db]);
  assert.equal(bucket.calls(HeadObjectCommand), 3, "the duplicate database is checked once");

  const progress: UploadProgress[] = [];
  const uploaded: string[] = [];
  const summary = await uploadArtifacts(bucket.client, bucket.name, missing, {
    onProgress: (p) => void progress.push(p),
    onUploaded: (a) => void uploaded.push(a.key),
  });
  assert.deepEqual(summary, { files: 2, bytes: layer.bytes + db.bytes });
  assert.equal(bucket.objects.get(layer.key)?.toString(), "layer bytes, longer");
  assert.equal(bucket.objects.get(db.key)?.toString(), "sqlite bytes");
  assert.equal(bucket.calls(PutObjectCommand), 2);
  assert.deepEqual(uploaded, [layer.key, db.key]);
  const total = layer.bytes + db.bytes;
  assert.deepEqual(progress.at(-1), { index: 2, count: 2, key: db.key, sent: total, total });
  assert.ok(progress.every((p) => p.sent <= p.total));
});

test("everything already there: nothing missing, so no upload calls", async () => {
  const bucket = new FakeBucket();
  const pkg = await artifact("p2.zip", "package/", Buffer.from("same"));
  bucket.put(pkg.key, "same");
  assert.deepEqual(await findMissingArtifacts(bucket.client, bucket.name, [pkg]), []);
  assert.deepEqual(await uploadArtifacts(bucket.client, bucket.name, []), { files: 0, bytes: 0 });
  assert.equal(bucket.calls(PutObjectCommand) + bucket.calls(CreateMultipartUploadCommand), 0);
});

test("a big file goes multipart and becomes the object only when completed", async () => {
  const bucket = new FakeBucket();
  const bytes = Buffer.alloc(11 * MB, 7);
  bytes.write("start", 0);
  bytes.write("end", bytes.length - 3);
  const big = await artifact("big.db", "db/", bytes);
  const summary = await uploadArtifacts(bucket.client, bucket.name, [big], { partSize: 5 * MB, queueSize: 2 });
  assert.deepEqual(summary, { files: 1, bytes: bytes.length });
  assert.equal(bucket.calls(CreateMultipartUploadCommand), 1);
  assert.equal(bucket.calls(UploadPartCommand), 3);
  assert.equal(bucket.calls(CompleteMultipartUploadCommand), 1);
  assert.ok(bucket.objects.get(big.key)?.equals(bytes));
});

test("a failed part: AwsError naming the bucket, the upload aborted, no object", async () => {
  const bucket = new FakeBucket();
  const big = await artifact("fail.db", "db/", Buffer.alloc(11 * MB, 1));
  bucket.beforePart = (part) => {
    if (part === 2)
      throw Object.assign(new Error("We encountered an internal error."), { name: "InternalError", $metadata: { httpStatusCode: 500 } });
  };
  await assert.rejects(uploadArtifacts(bucket.client, bucket.name, [big], { partSize: 5 * MB, queueSize: 1 }), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.equal(error.resource, bucket.name);
    assert.match(
      error.message,
      new RegExp(`Uploading .*fail\\.db to s3://${bucket.name}/${big.key} failed: We encountered an internal error`),
    );
    return true;
  });
  assert.equal(bucket.calls(CompleteMultipartUploadCommand), 0);
  assert.equal(bucket.objects.has(big.key), false);
  assert.equal(bucket.uploads.size, 0, "the multipart upload was aborted");
});

test("Ctrl-C during a multipart upload: aborted, never completed, InterruptedError saying nothing was deployed", async () => {
  const bucket = new FakeBucket();
  const big = await artifact("abort.db", "db/", Buffer.alloc(11 * MB, 2));
  const controller = new AbortController();
  bucket.beforePart = (part) => {
    if (part === 1) controller.abort();
  };
  await assert.rejects(
    uploadArtifacts(bucket.client, bucket.name, [big], { signal: controller.signal, partSize: 5 * MB, queueSize: 1 }),
    (error: unknown) => {
      assert.ok(error instanceof InterruptedError);
      assert.equal(error.exitCode, 130);
      assert.equal(error.message, "Interrupted during upload; nothing was deployed. Run update-stack again to resume.");
      return true;
    },
  );
  assert.ok(bucket.calls(AbortMultipartUploadCommand) >= 1);
  assert.equal(bucket.uploads.size, 0);
  // Let lib-storage's own clean-up run out, then check nothing completed.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(bucket.calls(CompleteMultipartUploadCommand), 0);
  assert.equal(bucket.objects.has(big.key), false);
});

test("already interrupted: no call at all", async () => {
  const bucket = new FakeBucket();
  const pkg = await artifact("p3.zip", "package/", Buffer.from("x"));
  await assert.rejects(findMissingArtifacts(bucket.client, bucket.name, [pkg], { signal: AbortSignal.abort() }), InterruptedError);
  await assert.rejects(uploadArtifacts(bucket.client, bucket.name, [pkg], { signal: AbortSignal.abort() }), InterruptedError);
  assert.equal(bucket.calls(HeadObjectCommand) + bucket.calls(PutObjectCommand), 0);
});

test("HeadObject errors other than 404 are AwsErrors", async () => {
  const bucket = new FakeBucket();
  bucket.mock
    .on(HeadObjectCommand)
    .rejects(Object.assign(new Error("Forbidden"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } }));
  const pkg = await artifact("p4.zip", "package/", Buffer.from("y"));
  await assert.rejects(findMissingArtifacts(bucket.client, bucket.name, [pkg]), (error: unknown) => {
    assert.ok(error instanceof AwsError);
    assert.match(error.message, /^Checking s3:\/\/site-bucket\/package\//);
    return true;
  });
});
