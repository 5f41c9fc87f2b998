import assert from "node:assert/strict";
import { test } from "node:test";
import { pendingDatabases, statusUrl } from "../../src/live/site-status.ts";

const SHA = "a".repeat(64);

test("statusUrl: the status page under the site's address (prefix included), asking about each database, with a cache buster", () => {
  assert.equal(statusUrl("https://d1.cloudfront.net/", {}, "123"), "https://d1.cloudfront.net/-/datasette-lambda.json?_=123");
  assert.equal(
    statusUrl("https://d1.cloudfront.net/v1/data/", { sales: SHA, "a-b": SHA }, "9"),
    `https://d1.cloudfront.net/v1/data/-/datasette-lambda.json?expect=sales%3A${SHA}&expect=a-b%3A${SHA}&_=9`,
  );
  assert.equal(statusUrl("http://127.0.0.1:8001/x", {}, "9"), "http://127.0.0.1:8001/x/-/datasette-lambda.json?_=9");
});

test("pendingDatabases: served only when the answer says so for that name", () => {
  const status = { expected: { done: true, old: false } };
  assert.deepEqual(pendingDatabases(status, { done: SHA, old: SHA, missing: SHA, toString: SHA }), ["old", "missing", "toString"]);
  assert.deepEqual(pendingDatabases(status, { done: SHA }), []);
});
