import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteObjectsCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import {
  collectGarbage,
  decideGarbage,
  inBatches,
  MIN_AGE_MS,
  referencedKeys,
  type BucketObject,
  type GarbageInput,
  type LeaseObject,
} from "../../src/aws/garbage.ts";
import { LEASE_TTL_MS, leaseBody } from "../../src/aws/leases.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ago = (ms: number) => new Date(NOW - ms);
const object = (key: string, age = 2 * HOUR): BucketObject => ({ key, lastModified: ago(age) });
const lease = (key: string, keys: string[] | undefined, age = 5 * MINUTE): LeaseObject => ({ key, keys, lastModified: ago(age) });
const params = (pkg: string, layer: string, dbs: string[] = []) => ({
  PackageKey: pkg,
  LayerKey: layer,
  DatabaseKeys: dbs.join(","),
  Runtime: "python3.13",
});

function input(overrides: Partial<GarbageInput> = {}): GarbageInput {
  return {
    artifacts: [],
    leases: [],
    appStack: {
      name: "site-lambda",
      status: "UPDATE_COMPLETE",
      parameters: params("package/live.zip", "layer/live.zip", ["db/live/a.db"]),
    },
    keep: [],
    now: NOW,
    minAgeMs: MIN_AGE_MS,
    leaseTtlMs: LEASE_TTL_MS,
    ...overrides,
  };
}

const deleted = (decision: ReturnType<typeof decideGarbage>) => {
  assert.equal(decision.kind, "delete", JSON.stringify(decision));
  return decision.kind === "delete" ? decision : { artifacts: [], staleLeases: [] };
};

test("referencedKeys: package, layer and every database key", () => {
  assert.deepEqual(
    referencedKeys({ PackageKey: "package/a.zip", LayerKey: "layer/b.zip", DatabaseKeys: "db/c/x.db, db/d/y.db", Runtime: "python3.13" }),
    ["package/a.zip", "layer/b.zip", "db/c/x.db", "db/d/y.db"],
  );
  assert.deepEqual(referencedKeys({ PackageKey: "package/a.zip", LayerKey: "layer/b.zip", DatabaseKeys: "" }), [
    "package/a.zip",
    "layer/b.zip",
  ]);
  assert.deepEqual(referencedKeys(undefined), []);
});

test("inBatches: at most 1000 each", () => {
  assert.deepEqual(
    inBatches(Array.from({ length: 2501 }, (_, i) => i)).map((b) => b.length),
    [1000, 1000, 501],
  );
  assert.deepEqual(inBatches([]), []);
});

test(
  "decide: old artifacts nothing names are deleted; the live stack's, this run's and the replaced deployment's are kept; " +
    "other prefixes never",
  () => {
    const decision = decideGarbage(
      input({
        artifacts: [
          "package/live.zip",
          "layer/live.zip",
          "db/live/a.db",
          "package/mine.zip",
          "package/previous.zip",
          "package/old.zip",
          "db/old/b.db",
          "incoming/x.csv",
        ].map((key) => object(key)),
        keep: ["package/mine.zip", "package/previous.zip"],
      }),
    );
    assert.deepEqual(deleted(decision).artifacts, ["package/old.zip", "db/old/b.db"]);
  },
);

test("decide: anything younger than the minimum age stays, and so does anything of unknown age or dated in the future (clock skew)", () => {
  const decision = decideGarbage(
    input({
      artifacts: [
        object("package/fresh.zip", MIN_AGE_MS - 1),
        object("package/just-old-enough.zip", MIN_AGE_MS),
        { key: "package/unknown-age.zip", lastModified: undefined },
        { key: "package/future.zip", lastModified: new Date(NOW + 5 * MINUTE) },
      ],
    }),
  );
  assert.deepEqual(deleted(decision).artifacts, ["package/just-old-enough.zip"]);
  // The threshold is the caller's: at 0 even a second-old object goes.
  assert.deepEqual(deleted(decideGarbage(input({ artifacts: [object("package/fresh.zip", 1000)], minAgeMs: 0 }))).artifacts, [
    "package/fresh.zip",
  ]);
});

test("decide: a live lease keeps every key it names, however old the object; a stale lease keeps nothing and is deleted itself", () => {
  const decision = decideGarbage(
    input({
      artifacts: [object("package/leased.zip", 30 * 24 * HOUR), object("db/leased/a.db"), object("package/of-a-killed-run.zip")],
      leases: [
        lease("deploys/running.json", ["package/leased.zip", "db/leased/a.db"], LEASE_TTL_MS - 1),
        lease("deploys/killed.json", ["package/of-a-killed-run.zip"], LEASE_TTL_MS),
        // A stale lease is never read, so its keys are unknown: still just stale.
        lease("deploys/killed-unread.json", undefined, 3 * HOUR),
      ],
    }),
  );
  assert.deepEqual(deleted(decision), {
    kind: "delete",
    artifacts: ["package/of-a-killed-run.zip"],
    staleLeases: ["deploys/killed.json", "deploys/killed-unread.json"],
  });
});

test("decide: a live lease that could not be read stops the clean-up (we cannot know what it protects)", () => {
  const decision = decideGarbage(input({ artifacts: [object("package/old.zip")], leases: [lease("deploys/odd.json", undefined)] }));
  assert.deepEqual(decision, { kind: "skip", reason: "deploy lease deploys/odd.json could not be read" });
});

test("decide: no clean-up while the app stack is in any *_IN_PROGRESS state, when it is gone, or when it names nothing", () => {
  const artifacts = [object("package/old.zip")];
  for (const status of [
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "REVIEW_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
  ]) {
    const decision = decideGarbage(
      input({ artifacts, appStack: { name: "site-lambda", status, parameters: params("package/live.zip", "layer/live.zip") } }),
    );
    assert.deepEqual(decision, { kind: "skip", reason: `stack site-lambda is ${status}: another deploy is running` }, status);
  }
  assert.equal(decideGarbage(input({ artifacts, appStack: undefined })).kind, "skip");
  assert.equal(
    decideGarbage(input({ artifacts, appStack: { name: "site-lambda", status: "UPDATE_COMPLETE", parameters: { Runtime: "python3.13" } } }))
      .kind,
    "skip",
  );
  // A settled rollback is settled: the parameters it rolled back to are what is live.
  const rolledBack = decideGarbage(
    input({
      artifacts,
      appStack: { name: "site-lambda", status: "UPDATE_ROLLBACK_COMPLETE", parameters: params("package/old.zip", "layer/live.zip") },
    }),
  );
  assert.deepEqual(deleted(rolledBack).artifacts, []);
});

test("decide, two runs A and B at once: whichever cleans up first or last, neither deletes what the other deploys", () => {
  const a = ["package/a.zip", "layer/l.zip", "db/a/x.db"];
  const b = ["package/b.zip", "layer/l.zip", "db/b/x.db"];
  // Both packages were found already in the bucket (uploaded days ago): only the lease and the stack protect them.
  const artifacts = [...new Set([...a, ...b, "package/previous.zip", "package/ancient.zip"])].map((key) => object(key, 3 * 24 * HOUR));
  const previous = ["package/previous.zip", "layer/l.zip"];

  // A cleans up while B is still running (B's update not done yet): the stack is A's, B's lease is live.
  const aFirst = decideGarbage(
    input({
      artifacts,
      appStack: { name: "site-lambda", status: "UPDATE_COMPLETE", parameters: params("package/a.zip", "layer/l.zip", ["db/a/x.db"]) },
      keep: [...a, ...previous],
      leases: [lease("deploys/a.json", a), lease("deploys/b.json", b)],
    }),
  );
  assert.deepEqual(deleted(aFirst).artifacts, ["package/ancient.zip"]);

  // A cleans up after B finished and released its lease: the stack now is B's.
  const aLast = decideGarbage(
    input({
      artifacts,
      appStack: { name: "site-lambda", status: "UPDATE_COMPLETE", parameters: params("package/b.zip", "layer/l.zip", ["db/b/x.db"]) },
      keep: [...a, ...previous],
      leases: [lease("deploys/a.json", a)],
    }),
  );
  assert.deepEqual(deleted(aLast).artifacts, ["package/ancient.zip"]);
});

// The edge: what collectGarbage reads, in which order, and what it deletes.

function site(bucket = new FakeBucket("site-bucket")) {
  const cfn = new FakeCloudFormation();
  const stack = cfn.addStack({
    name: "site-lambda",
    status: "UPDATE_COMPLETE",
    parameters: params("package/live.zip", "layer/live.zip", ["db/live/a.db"]),
  });
  for (const key of ["package/live.zip", "layer/live.zip", "db/live/a.db"]) bucket.put(key, "x", NOW - 2 * HOUR);
  const run = (keep: string[] = [], minAgeMs?: number) =>
    collectGarbage(bucket.client, cfn.client, {
      bucket: bucket.name,
      appStack: "site-lambda",
      keep,
      now: () => NOW,
      ...(minAgeMs === undefined ? {} : { minAgeMs }),
    });
  return { bucket, cfn, stack, run };
}

test("collectGarbage deletes old unreferenced artifacts in batches of <= 1000, across list pages, and keeps the rest", async () => {
  const { bucket, run } = site();
  bucket.pageSize = 700; // several ListObjectsV2 pages
  for (let i = 0; i < 2300; i++) bucket.put(`db/${String(i).padStart(4, "0")}/stale.db`, "x", NOW - 2 * HOUR);
  bucket.put("package/stale.zip", "x", NOW - 2 * HOUR);
  bucket.put("package/previous.zip", "x", NOW - 2 * HOUR);
  bucket.put("package/fresh.zip", "x", NOW - MINUTE);
  bucket.put("incoming/upload.csv", "x", NOW - 2 * HOUR);

  const result = await run(["package/previous.zip"]);

  assert.equal(result.kind, "collected");
  assert.equal(result.kind === "collected" && result.deleted.length, 2301);
  assert.deepEqual([...bucket.objects.keys()].sort(), [
    "db/live/a.db",
    "incoming/upload.csv",
    "layer/live.zip",
    "package/fresh.zip",
    "package/live.zip",
    "package/previous.zip",
  ]);
  const sizes = bucket.mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects?.length);
  assert.deepEqual(sizes, [1000, 1000, 301]);
});

test("collectGarbage re-reads the stack after listing: what another run deployed meanwhile is kept", async () => {
  const { bucket, stack, run } = site();
  bucket.put("package/other-run.zip", "x", NOW - 3 * HOUR); // found present by the other run, so old
  bucket.beforeList = (prefix) => {
    // The other run's update lands (and its lease goes) while we list.
    if (prefix === "package/") stack.parameters = params("package/other-run.zip", "layer/live.zip");
  };
  const result = await run(["package/live.zip", "layer/live.zip", "db/live/a.db"]);
  assert.deepEqual(result, { kind: "collected", deleted: [], staleLeases: [], failed: [] });
  assert.ok(bucket.objects.has("package/other-run.zip"));
});

test(
  "collectGarbage reads live leases and keeps what they name; deletes stale leases unread; " + "a lease gone meanwhile is no obstacle",
  async () => {
    const { bucket, run } = site();
    bucket.put("package/leased.zip", "x", NOW - 3 * HOUR);
    bucket.put("package/unleased.zip", "x", NOW - 3 * HOUR);
    bucket.put("deploys/running.json", leaseBody(["package/leased.zip"], new Date(NOW)), NOW - MINUTE);
    bucket.put("deploys/killed.json", leaseBody(["package/unleased.zip"], new Date(NOW)), NOW - 2 * HOUR);
    bucket.put("deploys/finished.json", leaseBody([], new Date(NOW)), NOW - MINUTE);
    bucket.mock
      .on(GetObjectCommand, { Key: "deploys/finished.json" })
      .rejects(Object.assign(new Error("gone"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }));

    const result = await run();

    assert.deepEqual(result, { kind: "collected", deleted: ["package/unleased.zip"], staleLeases: ["deploys/killed.json"], failed: [] });
    const read = bucket.mock
      .commandCalls(GetObjectCommand)
      .map((call) => call.args[0].input.Key)
      .sort();
    assert.deepEqual(read, ["deploys/finished.json", "deploys/running.json"], "the stale lease is not read");
  },
);

test("collectGarbage skips while the app stack is in progress, deleting nothing", async () => {
  const { bucket, stack, run } = site();
  bucket.put("package/old.zip", "x", NOW - 3 * HOUR);
  stack.status = "UPDATE_IN_PROGRESS";
  assert.deepEqual(await run(), { kind: "skipped", reason: "stack site-lambda is UPDATE_IN_PROGRESS: another deploy is running" });
  assert.equal(bucket.calls(DeleteObjectsCommand), 0);
  assert.ok(bucket.objects.has("package/old.zip"));
});

test("collectGarbage: nothing to delete makes no delete call", async () => {
  const { bucket, run } = site();
  assert.deepEqual(await run(), { kind: "collected", deleted: [], staleLeases: [], failed: [] });
  assert.equal(bucket.calls(DeleteObjectsCommand), 0);
});

test("collectGarbage lists keys S3 refused to delete, without failing", async () => {
  const { bucket, run } = site();
  bucket.put("package/a.zip", "x", NOW - 3 * HOUR);
  bucket.put("package/b.zip", "x", NOW - 3 * HOUR);
  bucket.mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: "package/b.zip", Code: "AccessDenied", Message: "Access Denied" }] });
  assert.deepEqual(await run(), {
    kind: "collected",
    deleted: ["package/a.zip"],
    staleLeases: [],
    failed: [{ key: "package/b.zip", reason: "AccessDenied Access Denied" }],
  });
});
