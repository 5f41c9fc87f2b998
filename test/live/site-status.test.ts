import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSiteStatus, pendingDatabases, statusUrl } from "../../src/live/site-status.ts";

test("statusUrl: the status page under the site's address (prefix included), with a cache-busting query string", () => {
  assert.equal(statusUrl("https://d1.cloudfront.net/", "123"), "https://d1.cloudfront.net/-/datasette-lambda.json?_=123");
  assert.equal(statusUrl("https://d1.cloudfront.net/v1/data/", "9"), "https://d1.cloudfront.net/v1/data/-/datasette-lambda.json?_=9");
  assert.equal(statusUrl("http://127.0.0.1:8001/x", "9"), "http://127.0.0.1:8001/x/-/datasette-lambda.json?_=9");
});

test("parseSiteStatus: the databases map, or undefined", () => {
  const text = JSON.stringify({ databases: { a: { sha256: "1", live: true, dataAsOf: "t" } }, manifestEtag: '"e"', checkedAt: "t" });
  assert.deepEqual(parseSiteStatus(text), { databases: { a: { sha256: "1", live: true, dataAsOf: "t" } } });
  for (const bad of ["<html>", "{}", '{"databases": []}', "null"]) assert.equal(parseSiteStatus(bad), undefined, bad);
});

test("pendingDatabases: served only when live with the published bytes", () => {
  const status = {
    databases: {
      done: { sha256: "new", live: true },
      old: { sha256: "old", live: true },
      deployed: { sha256: "new", live: false },
    },
  };
  assert.deepEqual(pendingDatabases(status, { done: "new", old: "new", deployed: "new", missing: "new" }), ["old", "deployed", "missing"]);
  assert.deepEqual(pendingDatabases(status, { done: "new" }), []);
});
