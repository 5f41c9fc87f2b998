import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { collectGarbage, inBatches, referencedKeys, unreferencedKeys } from "../../src/aws/garbage.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

test("referencedKeys: package, layer and every database key", () => {
  assert.deepEqual(referencedKeys({ PackageKey: "package/a.zip", LayerKey: "layer/b.zip", DatabaseKeys: "db/c/x.db, db/d/y.db", Runtime: "python3.13" }), [
    "package/a.zip",
    "layer/b.zip",
    "db/c/x.db",
    "db/d/y.db",
  ]);
  assert.deepEqual(referencedKeys({ PackageKey: "package/a.zip", LayerKey: "layer/b.zip", DatabaseKeys: "" }), ["package/a.zip", "layer/b.zip"]);
  assert.deepEqual(referencedKeys(undefined), []);
});

test("unreferencedKeys: only under the artifact prefixes, never a kept key", () => {
  assert.deepEqual(
    unreferencedKeys(["package/old.zip", "package/new.zip", "incoming/data.csv", "layer/x.zip", "db/1/a.db"], ["package/new.zip", "db/1/a.db"]),
    ["package/old.zip", "layer/x.zip"],
  );
});

test("inBatches: at most 1000 each", () => {
  assert.deepEqual(inBatches(Array.from({ length: 2501 }, (_, i) => i)).map((b) => b.length), [1000, 1000, 501]);
  assert.deepEqual(inBatches([]), []);
});

test("collectGarbage keeps the current and previous deployments, deletes the rest in batches of <= 1000, across list pages", async () => {
  const bucket = new FakeBucket();
  bucket.pageSize = 700; // several ListObjectsV2 pages
  const current = ["package/new.zip", "layer/new.zip", "db/new/big.db"];
  const previous = ["package/old.zip", "layer/new.zip", "db/old/big.db"];
  for (const key of [...current, ...previous, "incoming/upload.csv"]) bucket.put(key, "x");
  for (let i = 0; i < 2300; i++) bucket.put(`db/${String(i).padStart(4, "0")}/stale.db`, "x");
  bucket.put("package/stale.zip", "x");
  const { out, lines } = recordingOutput();

  const result = await collectGarbage(bucket.client, bucket.name, [...current, ...previous], out);

  assert.deepEqual(result, { deleted: 2301, failed: 0 });
  assert.deepEqual([...bucket.objects.keys()].sort(), [...new Set([...current, ...previous, "incoming/upload.csv"])].sort());
  const sizes = bucket.mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects?.length);
  assert.deepEqual(sizes, [1000, 1000, 301]);
  assert.deepEqual(lines(), ["Deleted 2301 unused artifacts from the bucket."]);
});

test("collectGarbage: nothing to delete makes no delete call and prints nothing", async () => {
  const bucket = new FakeBucket();
  bucket.put("package/a.zip", "x");
  const { out, lines } = recordingOutput();
  assert.deepEqual(await collectGarbage(bucket.client, bucket.name, ["package/a.zip"], out), { deleted: 0, failed: 0 });
  assert.equal(bucket.calls(DeleteObjectsCommand), 0);
  assert.deepEqual(lines(), []);
});

test("collectGarbage reports keys S3 refused to delete as a warning", async () => {
  const bucket = new FakeBucket();
  bucket.put("package/a.zip", "x");
  bucket.put("package/b.zip", "x");
  bucket.mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: "package/b.zip", Code: "AccessDenied", Message: "Access Denied" }] });
  const { out, lines } = recordingOutput();
  assert.deepEqual(await collectGarbage(bucket.client, bucket.name, [], out), { deleted: 1, failed: 1 });
  assert.match(lines().join("\n"), /warning: 1 unused artifact could not be deleted/);
});
