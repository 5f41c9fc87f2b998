// The smoke test's cost estimate: usage times the list prices of prices.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateCost, inPlaceReads, renderCost, scheduledInvocations, totalCost } from "./cost.ts";
import { PRICES } from "./prices.ts";

const report = (billedDurationMs: number, memorySizeMb = 1024) => ({
  requestId: "r",
  durationMs: billedDurationMs,
  billedDurationMs,
  memorySizeMb,
  maxMemoryUsedMb: 100,
});

test("each line is its usage times its price; the total is their sum", () => {
  const usage = {
    cloudfrontRequests: 40,
    cloudfrontBytes: 1024 ** 3,
    edgeInvocations: 20,
    reports: [report(1000), report(2000), report(500, 2048)],
    arch: "arm64" as const,
    s3Writes: 30,
    s3Reads: 150,
    logBytes: 1024 ** 3 / 2,
  };
  const lines = Object.fromEntries(estimateCost(usage).map((line) => [line.item, line.usd]));
  assert.equal(lines["CloudFront requests"], 40 * PRICES.cloudfrontRequest.usd);
  assert.equal(lines["CloudFront data out"], PRICES.cloudfrontGbOut.usd);
  assert.equal(lines["Lambda requests"], 3 * PRICES.lambdaRequest.usd);
  // 1 GB × 1 s + 1 GB × 2 s + 2 GB × 0.5 s = 4 GB-s at the arm64 price.
  assert.ok(Math.abs(lines["Lambda duration"]! - 4 * PRICES.lambdaArmGbSecond.usd) < 1e-12);
  assert.ok(Math.abs(lines["Lambda@Edge"]! - (20 * PRICES.edgeRequest.usd + 20 * 0.125 * 0.005 * PRICES.edgeGbSecond.usd)) < 1e-12);
  assert.equal(lines["S3 requests"], 30 * PRICES.s3Write.usd + 150 * PRICES.s3Read.usd);
  assert.equal(lines["CloudWatch Logs"], PRICES.logsGbIngested.usd / 2);
  assert.ok(Math.abs(totalCost(estimateCost(usage)) - Object.values(lines).reduce((a, b) => a + b, 0)) < 1e-12);
});

test("a typical run is well under a cent, and the table prints a total", () => {
  const lines = estimateCost({
    cloudfrontRequests: 40,
    cloudfrontBytes: 2 * 1024 * 1024,
    edgeInvocations: 20,
    reports: Array.from({ length: 40 }, () => report(300)),
    arch: "arm64",
    s3Writes: 30,
    s3Reads: 150,
    logBytes: 200 * 1024,
  });
  assert.ok(totalCost(lines) < 0.01, String(totalCost(lines)));
  assert.match(renderCost(lines), /\n {2}Total +\$0\.00\d{4}$/);
});

test("every price names its page", () => {
  for (const [name, price] of Object.entries(PRICES)) assert.match(price.page, /^https:\/\/aws\.amazon\.com\/[a-z0-9]+\/pricing\/$/, name);
});

const BASE = {
  cloudfrontRequests: 40,
  cloudfrontBytes: 2 * 1024 * 1024,
  edgeInvocations: 20,
  reports: Array.from({ length: 40 }, () => report(300)),
  arch: "arm64" as const,
  s3Writes: 30,
  s3Reads: 150,
  logBytes: 200 * 1024,
};

test("in place: a GET per SQLite page per instance at most, the small files at S3 Files' read price, mount targets free", () => {
  // 1 MiB = 256 pages of 4 KiB; two instances read them through their own mounts.
  assert.equal(inPlaceReads({ directBytes: 1024 * 1024, smallBytes: 0, instances: 2, mountTargets: 2 }), 512);
  assert.equal(inPlaceReads({ directBytes: 4097, smallBytes: 0, instances: 1, mountTargets: 2 }), 2);
  const lines = Object.fromEntries(
    estimateCost({ ...BASE, inPlace: { directBytes: 1024 * 1024, smallBytes: 1024 ** 3 / 2, instances: 2, mountTargets: 2 } }).map(
      (line) => [line.item, line],
    ),
  );
  assert.equal(lines["S3 Files reads from S3"]!.usd, 512 * PRICES.s3Read.usd);
  assert.equal(lines["S3 Files reads from S3"]!.quantity, "at most 512 GETs");
  // Half a GB of small files, read by each of two instances: 1 GB.
  assert.equal(lines["S3 Files storage reads"]!.usd, PRICES.s3FilesReadGb.usd);
  assert.deepEqual(lines["S3 Files mount targets, VPC"], { item: "S3 Files mount targets, VPC", quantity: "2, no charge", usd: 0 });
  // Without --in-place or --schedule, none of their lines.
  assert.ok(!estimateCost(BASE).some((line) => line.item.startsWith("S3 Files") || line.item === "EventBridge Scheduler"));
});

test("a schedule at rate(1 minute): one delivery at once, one a minute after, each at Scheduler's price", () => {
  assert.equal(scheduledInvocations(0), 1);
  assert.equal(scheduledInvocations(59_000), 1);
  assert.equal(scheduledInvocations(150_000), 3);
  const line = estimateCost({ ...BASE, schedulerInvocations: 4 }).find((l) => l.item === "EventBridge Scheduler")!;
  assert.equal(line.usd, 4 * PRICES.schedulerInvocation.usd);
  assert.equal(line.quantity, "4 invocations");
});

test("a run with --in-place and --schedule is still well under a cent", () => {
  const lines = estimateCost({
    ...BASE,
    reports: Array.from({ length: 60 }, () => report(2000, 2048)),
    inPlace: { directBytes: 2 * 1024 * 1024, smallBytes: 200 * 1024, instances: 3, mountTargets: 2 },
    schedulerInvocations: 5,
  });
  assert.ok(totalCost(lines) < 0.01, String(totalCost(lines)));
});
