import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReport, shortRequestId, summariseReport } from "../../src/logs/report.ts";

const ID = "8f5a1b2c-1111-2222-3333-444455556666";

test("a cold-start REPORT line is parsed and summarised", () => {
  const report = parseReport(
    `REPORT RequestId: ${ID}\tDuration: 123.45 ms\tBilled Duration: 124 ms\t` +
      "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tInit Duration: 812.34 ms\t\n",
  );
  assert.deepEqual(report, {
    requestId: ID,
    durationMs: 123.45,
    billedDurationMs: 124,
    memorySizeMb: 1024,
    maxMemoryUsedMb: 90,
    initDurationMs: 812.34,
  });
  assert.equal(summariseReport(report!), "123 ms (billed 124 ms) mem 90/1024 MB cold start 812 ms");
});

test("a warm REPORT has no cold start; X-Ray lines and a timeout status are understood", () => {
  const report = parseReport(
    `REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t` +
      "Memory Size: 512 MB\tMax Memory Used: 64 MB\tStatus: timeout\n" +
      "XRAY TraceId: 1-abc\tSegmentId: def\tSampled: true",
  );
  assert.equal(report?.initDurationMs, undefined);
  assert.equal(report?.status, "timeout");
  assert.equal(summariseReport(report!), "3000 ms (billed 3000 ms) mem 64/512 MB status timeout");
});

test("other lines are not reports", () => {
  assert.equal(parseReport(`START RequestId: ${ID} Version: $LATEST`), undefined);
  assert.equal(parseReport("REPORT for the board meeting"), undefined);
  assert.equal(parseReport(`REPORT RequestId: ${ID}`), undefined);
});

test("request ids are shortened to their first block", () => {
  assert.equal(shortRequestId(ID), "8f5a1b2c");
});
