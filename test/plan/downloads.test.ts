import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { downloadSeconds, requestWaitSeconds, STUB_PATIENCE_SECONDS, STUB_RESPONSE_MARGIN_SECONDS } from "../../src/plan/downloads.ts";
import { MB } from "../../src/plan/limits.ts";
import { s3DatabaseBytes } from "../../src/plan/placement.ts";
import { sampleDatabase } from "../_helpers/plan.ts";

test("download time at the realistic rate, rounded up", () => {
  assert.equal(downloadSeconds(0), 0);
  assert.equal(downloadSeconds(50 * MB), 1);
  assert.equal(downloadSeconds(50 * MB + 1), 2);
  assert.equal(downloadSeconds(10 * 1024 * MB), 205);
});

test("only S3 databases are downloaded", () => {
  const s3 = { ...sampleDatabase("a", "s3"), bytes: 7 };
  const inline = { ...sampleDatabase("b", "inline"), bytes: 1000 };
  assert.equal(s3DatabaseBytes({ databases: [s3, inline, { ...s3, name: "c", bytes: 3 }] }), 10);
});

test("a request waits the stub's patience, or what its timeout leaves", () => {
  assert.equal(requestWaitSeconds(30), 20);
  assert.equal(requestWaitSeconds(900), 20);
  assert.equal(requestWaitSeconds(10), 8);
  assert.equal(requestWaitSeconds(1), 0);
});

test("the figures match the stub's own constants", () => {
  const stub = (path: string) => readFileSync(new URL(`../../stub/datasette_lambda/${path}`, import.meta.url), "utf8");
  assert.match(stub("instance.py"), new RegExp(`^PATIENCE_SECONDS = ${STUB_PATIENCE_SECONDS}(\\.0)?$`, "m"));
  assert.match(stub("serve/time_left.py"), new RegExp(`^RESPONSE_MARGIN_SECONDS = ${STUB_RESPONSE_MARGIN_SECONDS}(\\.0)?$`, "m"));
});
