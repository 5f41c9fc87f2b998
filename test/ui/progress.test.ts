import assert from "node:assert/strict";
import { test } from "node:test";
import type { Artifact } from "../../src/plan/types.ts";
import { formatBytes, formatStackEvent, reportUploads } from "../../src/ui/progress.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

test("one line per event: time, logical id, type, status, reason", () => {
  const line = formatStackEvent({
    EventId: "1",
    StackId: "s",
    StackName: "site",
    Timestamp: new Date(2025, 0, 2, 3, 4, 5),
    LogicalResourceId: "Function",
    ResourceType: "AWS::Lambda::Function",
    ResourceStatus: "CREATE_FAILED",
    ResourceStatusReason: "Access denied",
  });
  assert.match(line, /^03:04:05 {2}Function {2,}AWS::Lambda::Function {2,}CREATE_FAILED {2}Access denied$/);
  const quiet = formatStackEvent({
    EventId: "2",
    StackId: "s",
    StackName: "site",
    Timestamp: undefined,
    LogicalResourceId: "site",
    ResourceStatus: "UPDATE_COMPLETE",
  });
  assert.match(quiet, /^--:--:-- {2}site +UPDATE_COMPLETE$/);
});

test("bytes read as B, KB or MB", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(5 * 1024 * 1024), "5.0 MB");
});

const artifact = (key: string, bytes: number): Artifact => ({ key, bytes, path: `/tmp/${key}`, sha256: "0" });

test("uploads: one task line with the count and size, each file at --verbose", async () => {
  const { out, lines } = recordingOutput({ verbose: true });
  const missing = [artifact("layer/a.zip", 2048), artifact("db/b/x.db", 1024)];
  const summary = await reportUploads(out, "bucket-1", 3, missing, async (events) => {
    events.onProgress?.({ index: 1, count: 2, key: "layer/a.zip", sent: 2048, total: 3072 });
    for (const a of missing) events.onUploaded?.(a);
    return { files: 2, bytes: 3072 };
  });
  assert.deepEqual(summary, { files: 2, bytes: 3072 });
  assert.deepEqual(lines(), [
    "Uploading 2 files (3.0 KB)...",
    "uploaded s3://bucket-1/layer/a.zip (2.0 KB)",
    "uploaded s3://bucket-1/db/b/x.db (1.0 KB)",
  ]);
});

test("uploads: nothing missing says so and sends nothing", async () => {
  const { out, lines } = recordingOutput();
  let called = false;
  const summary = await reportUploads(out, "bucket-1", 3, [], async () => {
    called = true;
    return { files: 9, bytes: 9 };
  });
  assert.deepEqual(summary, { files: 0, bytes: 0 });
  assert.equal(called, false);
  assert.deepEqual(lines(), ["All 3 artifacts are already in the bucket; nothing to upload."]);
});
