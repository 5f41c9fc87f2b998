import assert from "node:assert/strict";
import { test } from "node:test";
import { deployedRecord, parseDeployedRecord, sameDatabases, serializeDeployedRecord } from "../../src/live/deployed.ts";
import { sampleDatabase, samplePlan, sampleSha256 } from "../_helpers/plan.ts";

const plan = samplePlan({
  databases: [
    { ...sampleDatabase("zoo", "s3"), dataAsOf: "2026-11-30T09:00:00Z", sources: ["/data/zoo.csv", "/data/keepers.csv"] },
    sampleDatabase("fixtures", "inline"),
  ],
});

test("deployedRecord: each database with its bytes, tables, place and source files, sorted by name; data as of when known", () => {
  const record = deployedRecord(plan, "2026-12-01T10:00:00Z");
  assert.deepEqual(record, {
    format: 1,
    databases: {
      fixtures: { sha256: sampleSha256("fixtures"), bytes: 4096, tables: { t: { count: 3 } }, location: "inline", source: "fixtures.db" },
      zoo: {
        sha256: sampleSha256("zoo"),
        bytes: 4096,
        tables: { t: { count: 3 } },
        dataAsOf: "2026-11-30T09:00:00Z",
        location: "s3",
        source: "zoo.csv, keepers.csv",
      },
    },
    deployedAt: "2026-12-01T10:00:00Z",
  });
  assert.deepEqual(Object.keys(record.databases), ["fixtures", "zoo"]);
  assert.deepEqual(parseDeployedRecord(serializeDeployedRecord(record)), record);
});

test("parseDeployedRecord: undefined for anything else", () => {
  for (const text of [
    "",
    "nope",
    "[]",
    '{"format": 2, "databases": {}}',
    '{"format": 1}',
    '{"format": 1, "databases": {"a": {"bytes": 1}}}',
  ]) {
    assert.equal(parseDeployedRecord(text), undefined, text);
  }
});

test("sameDatabases: the deploy time does not count", () => {
  const a = deployedRecord(plan, "2026-12-01T10:00:00Z");
  assert.equal(sameDatabases(a, deployedRecord(plan, "2027-01-01T00:00:00Z")), true);
  assert.equal(sameDatabases(a, undefined), false);
  assert.equal(sameDatabases(a, deployedRecord(samplePlan(), "2026-12-01T10:00:00Z")), false);
});
