// The smoke test's cost estimate: usage times the list prices of prices.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateCost, renderCost, totalCost } from "./cost.ts";
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
