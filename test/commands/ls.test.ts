import assert from "node:assert/strict";
import { test } from "node:test";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { runLs } from "../../src/commands/ls.ts";
import { buildListing, type Listing } from "../../src/live/listing.ts";
import { objectProblem } from "../../src/live/object-check.ts";
import {
  type LiveDatabase,
  liveDatabaseKey,
  LIVE_MANIFEST_KEY,
  serializeLiveManifest,
  type LiveManifest,
} from "../../src/live/manifest.ts";
import { formatTables, formatTime, renderListing } from "../../src/ui/listing.ts";
import { liveWorld } from "../_helpers/live-site.ts";

const SHA = "a".repeat(64);
const manifest: LiveManifest = {
  format: 1,
  databases: {
    sales: {
      key: liveDatabaseKey(SHA, "sales"),
      sha256: SHA,
      bytes: 3 * 1024 * 1024,
      tables: { sales: { count: 1203 } },
      dataAsOf: "2026-12-01T10:00:00Z",
      source: "sales.csv",
      publishedAt: "2026-12-01T10:00:05Z",
    },
    fixtures: { key: liveDatabaseKey(SHA, "fixtures"), sha256: SHA, bytes: 2048, tables: {}, source: "fixtures.db" },
    // What an older or foreign publisher might write: no instance serves these.
    _internal: { key: liveDatabaseKey(SHA, "_internal"), sha256: SHA, bytes: 2048, source: "_internal.csv" },
    Zoo: { key: liveDatabaseKey(SHA, "Zoo"), sha256: SHA, bytes: 2048 },
  },
  failed: { "bad.csv": { reason: "bad.csv:3: expected 4 columns, got 5", at: "2026-12-01T10:01:00Z", key: "failed/bad.csv" } },
};
const deployed = {
  format: 1 as const,
  databases: {
    fixtures: {
      sha256: "f".repeat(64),
      bytes: 8192,
      tables: { items: { count: 3 } },
      dataAsOf: "2026-11-30T09:00:00Z",
      location: "inline" as const,
      source: "fixtures.db",
    },
    zoo: {
      sha256: "e".repeat(64),
      bytes: 100,
      tables: { a: { count: 1 }, b: { count: 2 }, c: { count: 3 }, d: { count: 4 } },
      location: "s3" as const,
      source: "zoo.db",
    },
  },
  deployedAt: "2026-11-30T10:00:00Z",
};

test("buildListing: live databases, deployed ones not replaced by a live one, failures; sorted by name", () => {
  const listing = buildListing("site", "https://d1.net/x/", manifest, deployed);
  assert.deepEqual(
    listing.databases.map((db) => [db.name, db.live, db.replacesDeployed, db.bytes, db.url]),
    [
      ["fixtures", true, true, 2048, "https://d1.net/x/fixtures"],
      ["sales", true, false, 3 * 1024 * 1024, "https://d1.net/x/sales"],
      ["zoo", false, false, 100, "https://d1.net/x/zoo"],
    ],
  );
  assert.deepEqual(listing.unservable, [
    { name: "Zoo", reason: 'the database name "Zoo" differs only in case from the database "zoo"' },
    { name: "_internal", reason: 'the database name "_internal" is Datasette\'s own database' },
  ]);
  assert.deepEqual(listing.failed, [
    { source: "bad.csv", reason: "bad.csv:3: expected 4 columns, got 5", at: "2026-12-01T10:01:00Z", key: "failed/bad.csv" },
  ]);
  assert.deepEqual(listing.waiting, [], "none unless given");
  assert.equal(listing.deployedKnown, true);
  assert.equal(buildListing("site", "https://d1.net/", manifest, undefined).deployedKnown, false);
});

test("renderListing: a table of what is served, then the entries not served and the failed files, with their reasons", () => {
  const text = renderListing(buildListing("site", "https://d1.net/", manifest, deployed));
  assert.equal(
    text,
    [
      "DATABASE  KIND                     SIZE    DATA AS OF            TABLES                        SOURCE",
      "fixtures  live, replaces deployed  2.0 KB  -                     no tables                     fixtures.db",
      "sales     live                     3.0 MB  2026-12-01 10:00 UTC  sales (1,203)                 sales.csv",
      "zoo       deployed                 100 B   -                     a (1), b (2), c (3), +1 more  zoo.db",
      "",
      "Not served (instances keep serving the previous version, if any; rm NAME DB removes an entry):",
      '  Zoo  the database name "Zoo" differs only in case from the database "zoo"',
      '  _internal  the database name "_internal" is Datasette\'s own database',
      "",
      "Failed files (moved to failed/, not served):",
      "  bad.csv  2026-12-01 10:01 UTC  bad.csv:3: expected 4 columns, got 5",
    ].join("\n"),
  );
  assert.equal(
    renderListing(buildListing("site", "https://d1.net/", { format: 1, databases: {}, failed: {} }, undefined)),
    "site serves no databases.",
  );
  const waiting = [{ key: "incoming/big.csv", since: "2026-12-01T09:00:00Z" }];
  assert.equal(
    renderListing(buildListing("site", "https://d1.net/", { format: 1, databases: {}, failed: {} }, undefined, waiting)),
    [
      "site serves no databases.",
      "",
      "Not converted (see the log /aws/lambda/site-lambda-converter; put the file into incoming/ again, or push it):",
      "  incoming/big.csv  waiting since 2026-12-01 09:00 UTC",
    ].join("\n"),
  );
  assert.equal(formatTime("2026-12-01T10:00:05Z"), "2026-12-01 10:00 UTC");
  assert.equal(formatTables({ b: { count: 1_000_000 }, a: { count: 2 } }), "a (2), b (1,000,000)");
});

test("ls: reads the manifest and live/deployed.json of the site's bucket; --json prints the listing", async () => {
  const w = liveWorld({ json: true, prefix: "/x" });
  w.bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest(manifest));
  w.bucket.put("live/deployed.json", JSON.stringify(deployed));
  await runLs("site", {}, { clients: w.clients, output: w.output.out });
  const json = JSON.parse(w.output.stdout()) as Listing;
  assert.deepEqual(Object.keys(json), ["site", "url", "databases", "unservable", "failed", "waiting", "imports", "deployedKnown"]);
  assert.deepEqual(
    json.unservable.map((entry) => entry.name),
    ["Zoo", "_internal"],
  );
  assert.equal(json.url, "https://d111.cloudfront.net/x/");
  assert.deepEqual(Object.keys(json.databases[0]!), [
    "name",
    "url",
    "live",
    "replacesDeployed",
    "sha256",
    "bytes",
    "tables",
    "dataAsOf",
    "source",
    "publishedAt",
    "problem",
  ]);
  assert.deepEqual(
    json.databases.map((db) => db.name),
    ["fixtures", "sales", "zoo"],
  );
  assert.equal(json.failed[0]?.reason, "bad.csv:3: expected 4 columns, got 5");
});

test("buildListing and renderListing: a live database bigger than the function's /tmp leaves room for is not served, and why", () => {
  const big = { ...manifest.databases.sales!, bytes: 600 * 1024 * 1024 };
  const databases = { sales: big, _internal: manifest.databases._internal };
  const listing = buildListing("site", "https://d1.net/", { ...manifest, databases }, deployed, [], 512 * 1024 * 1024);
  const sales = listing.databases.find((db) => db.name === "sales")!;
  assert.match(sales.problem ?? "", /^600\.0 MB cannot fit in \/tmp \(512\.0 MB, 0\.0 MB of it for deployed databases\)/);
  assert.equal(listing.databases.find((db) => db.name === "zoo")!.problem, null);
  const text = renderListing(listing);
  assert.match(text, /^sales +live, not served +600\.0 MB /m);
  const notServed = "\n\nNot served (instances keep serving the previous version, if any; rm NAME DB removes an entry):\n";
  // One list, by name: the manifest's entry no instance reads, then the database too big for /tmp.
  assert.ok(
    text.includes(`${notServed}  _internal  the database name "_internal" is Datasette's own database\n  sales  600.0 MB cannot fit`),
    text,
  );
  // Without the function's /tmp size, nothing is claimed.
  assert.equal(buildListing("site", "https://d1.net/", { ...manifest, databases: { sales: big } }, deployed).databases[0]!.problem, null);
});

test("ls: the function's /tmp size comes from the stack (EphemeralStorageSize)", async () => {
  const w = liveWorld({ json: true, ephemeralStorageMb: "512" });
  const big = { ...(manifest.databases.sales as LiveDatabase), bytes: 513 * 1024 * 1024 };
  w.bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest({ ...manifest, databases: { sales: big } }));
  // Its object is there at its size (too big to hold in the fake bucket).
  w.bucket.mock.on(HeadObjectCommand, { Key: big.key }).resolves({ ContentLength: big.bytes });
  await runLs("site", {}, { clients: w.clients, output: w.output.out });
  const json = JSON.parse(w.output.stdout()) as Listing;
  assert.match(json.databases[0]!.problem ?? "", /^513\.0 MB cannot fit in \/tmp \(512\.0 MB/);
});

test("ls: a live database whose object is missing or cut short is listed as not served, saying to push it again", async () => {
  const w = liveWorld();
  const sales = manifest.databases.sales as LiveDatabase;
  const cut = { ...sales, key: liveDatabaseKey("b".repeat(64), "cut"), sha256: "b".repeat(64), bytes: 10 };
  const whole = { ...sales, key: liveDatabaseKey("c".repeat(64), "whole"), sha256: "c".repeat(64), bytes: 5 };
  w.bucket.put(LIVE_MANIFEST_KEY, serializeLiveManifest({ format: 1, databases: { sales, cut, whole }, failed: {} }));
  w.bucket.put(cut.key, "12345");
  w.bucket.put(whole.key, "12345");
  await runLs("site", {}, { clients: w.clients, output: w.output.out });
  const text = w.output.stdout();
  assert.match(text, /Not served \(/);
  assert.match(text, new RegExp(`  sales  its object ${sales.key} is not in the bucket: push it again`));
  assert.match(text, new RegExp(`  cut  its object ${cut.key} is 5 bytes, not the 10 its entry says: push it again`));
  assert.doesNotMatch(text, / {2}whole {2}its object/);
});

test("objectProblem: nothing said of an object not looked at, or there at its size", () => {
  const entry = { key: "live/db/k/x.db", bytes: 3 };
  assert.equal(objectProblem(entry, undefined), null);
  assert.equal(objectProblem(entry, {}), null);
  assert.equal(objectProblem(entry, { [entry.key]: 3 }), null);
  assert.match(objectProblem(entry, { [entry.key]: null }) ?? "", /is not in the bucket/);
});

test("ls: files left in incoming/ past the converter's time are listed as waiting, with when they were put there", async () => {
  const w = liveWorld();
  const now = Date.parse("2026-12-01T12:00:00Z");
  w.bucket.put("incoming/stuck.csv", "a,b\n1,2\n", now - 2 * 60 * 60_000); // two hours ago: the converter was cut off
  w.bucket.put("incoming/fresh.csv", "a,b\n1,2\n", now - 60_000); // a minute ago: being converted
  w.bucket.put("incoming/folder/", "", now - 2 * 60 * 60_000);
  await runLs("site", {}, { clients: w.clients, output: w.output.out, now: () => now });
  assert.equal(
    w.output.stdout(),
    [
      "site serves no databases.",
      "",
      "Not converted (see the log /aws/lambda/site-lambda-converter; put the file into incoming/ again, or push it):",
      "  incoming/stuck.csv  waiting since 2026-12-01 10:00 UTC",
      "",
    ].join("\n"),
  );
});

test("ls: a site with nothing live and no record of its deploy says so", async () => {
  const w = liveWorld();
  await runLs("site", {}, { clients: w.clients, output: w.output.out });
  assert.equal(w.output.stdout(), "site serves no databases.\n");
  assert.match(w.output.stderr(), /Databases deployed by update-stack are not listed: the site has no live\/deployed\.json yet/);
});

test("ls: an unknown site is one line", async () => {
  const w = liveWorld();
  await assert.rejects(runLs("other", {}, { clients: w.clients, output: w.output.out }), /No site named other/);
});
