// The live manifest as the CLI reads and changes it. Which entries a reader
// skips, and why, are the contract's golden examples (test/live/contract.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emptyLiveManifest,
  failedFiles,
  isoSeconds,
  liveDatabaseKey,
  liveEntries,
  LiveManifestError,
  namedKeys,
  parseLiveManifest,
  serializeLiveManifest,
  withPublished,
  withRemoved,
  type LiveDatabase,
  type LiveManifest,
} from "../../src/live/manifest.ts";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);
const AT = "2026-12-01T10:01:00Z";

function entry(name: string, sha256: string, source = `${name}.csv`): LiveDatabase {
  return {
    key: liveDatabaseKey(sha256, name),
    sha256,
    bytes: 4096,
    tables: { [name]: { count: 3 } },
    dataAsOf: "2026-12-01T10:00:00Z",
    source,
    publishedAt: "2026-12-01T10:00:05Z",
  };
}

test("layout: content-addressed keys under live/db/, times to the second in UTC", () => {
  assert.equal(liveDatabaseKey(SHA_A, "sales"), `live/db/${SHA_A}/sales.db`);
  assert.equal(isoSeconds(new Date("2026-12-01T10:00:05.678Z")), "2026-12-01T10:00:05Z");
  assert.deepEqual(emptyLiveManifest(), { format: 1, databases: {}, failed: {} });
});

test("parse: the contract's example reads back as written; serializing is stable (sorted names)", () => {
  const manifest = {
    format: 1,
    databases: { sales: entry("sales", SHA_A), animals: entry("animals", SHA_B) },
    failed: { "bad.csv": { reason: "bad.csv:3: expected 4 columns, got 5", at: AT, key: "failed/bad.csv" } },
  };
  const parsed = parseLiveManifest(JSON.stringify(manifest));
  assert.deepEqual(parsed, manifest);
  assert.deepEqual(liveEntries(parsed), { databases: { animals: entry("animals", SHA_B), sales: entry("sales", SHA_A) }, problems: [] });
  assert.deepEqual(failedFiles(parsed), manifest.failed);
  const text = serializeLiveManifest(parsed);
  assert.ok(text.indexOf('"animals"') < text.indexOf('"sales"'));
  assert.equal(serializeLiveManifest(parseLiveManifest(text)), text);
  assert.ok(text.endsWith("}\n"));
});

test("parse: fields this version does not know are kept; an entry without tables has none", () => {
  const { tables: _, ...untabled } = entry("t", SHA_B);
  const parsed = parseLiveManifest(
    JSON.stringify({ format: 1, future: { x: 1 }, databases: { s: { ...entry("s", SHA_A), extra: true }, t: untabled }, failed: {} }),
  );
  assert.deepEqual((parsed as unknown as { future: unknown }).future, { x: 1 });
  const { databases } = liveEntries(parsed);
  assert.equal((databases.s as unknown as { extra: boolean }).extra, true);
  assert.deepEqual(databases.t?.tables, {});
});

test("parse: a document that is not one is refused whole, naming why", () => {
  const cases: [string, RegExp][] = [
    ["not json", /not JSON/],
    ["[]", /not a JSON object/],
    ['{"format": 2, "databases": {}, "failed": {}}', /format 2/],
    ['{"format": 1, "databases": [], "failed": {}}', /databases is not a JSON object/],
    ['{"format": 1, "databases": {}}', /failed is not a JSON object/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseLiveManifest(text),
      (error: unknown) => error instanceof LiveManifestError && message.test(error.message),
      text,
    );
  }
});

test("liveEntries: a bad entry is a problem of its own; a live name may replace a deployed one, not shadow it in other letters", () => {
  const manifest: LiveManifest = {
    format: 1,
    databases: { sales: entry("sales", SHA_A), _internal: entry("_internal", SHA_B), fixtures: { key: "x" } },
    failed: {},
  };
  const { databases, problems } = liveEntries(manifest, ["Fixtures", "sales"]);
  assert.deepEqual(Object.keys(databases), ["sales"]);
  assert.deepEqual(
    problems.map((p) => p.name),
    ["_internal", "fixtures"],
  );
  assert.match(problems[1]!.reason, /differs only in case from the database "Fixtures"/);
});

test("failedFiles: only failures with their three fields are listed; the others stay in the document", () => {
  const manifest: LiveManifest = { format: 1, databases: {}, failed: { a: { reason: "r", at: AT, key: "failed/a" }, b: { reason: "r" } } };
  assert.deepEqual(Object.keys(failedFiles(manifest)), ["a"]);
  assert.ok(serializeLiveManifest(manifest).includes('"b"'));
});

test("withPublished: adds or replaces only the named databases (a bad entry of the name too) and clears their failures", () => {
  const before: LiveManifest = {
    format: 1,
    databases: { sales: entry("sales", SHA_A), other: entry("other", SHA_B), broken: { key: 1 } },
    failed: {
      "sales.csv": { reason: "sales.csv:2: bad", at: AT, key: "failed/sales.csv" },
      "else.csv": { reason: "else.csv:9: bad", at: AT, key: "failed/else.csv" },
    },
  };
  const next = withPublished(before, [
    { name: "sales", entry: entry("sales", SHA_B), sources: ["sales.csv"] },
    { name: "broken", entry: entry("broken", SHA_A), sources: ["broken.csv"] },
  ]);
  assert.deepEqual(Object.keys(liveEntries(next).databases), ["broken", "other", "sales"]);
  assert.equal(liveEntries(next).databases.sales?.sha256, SHA_B);
  assert.deepEqual(next.databases.other, before.databases.other);
  assert.deepEqual(Object.keys(next.failed), ["else.csv"]);
  assert.equal((before.databases.sales as LiveDatabase).sha256, SHA_A, "the input is not changed");
  assert.ok("sales.csv" in before.failed);
});

test("withRemoved: drops one entry, served or not; undefined when there is none", () => {
  const before: LiveManifest = { format: 1, databases: { sales: entry("sales", SHA_A), _memory: { key: 5 } }, failed: {} };
  assert.deepEqual(Object.keys(withRemoved(before, "sales")?.databases ?? {}), ["_memory"]);
  assert.deepEqual(Object.keys(withRemoved(before, "_memory")?.databases ?? {}), ["sales"]);
  assert.equal(withRemoved(before, "nope"), undefined);
  assert.equal(withRemoved(before, "toString"), undefined, "not fooled by Object.prototype");
  assert.deepEqual(Object.keys(before.databases), ["sales", "_memory"]);
});

test("namedKeys: every key an entry names, served or not (garbage collection keeps them)", () => {
  const manifest: LiveManifest = {
    format: 1,
    databases: { sales: entry("sales", SHA_A), _internal: entry("_internal", SHA_B), odd: { key: 7 } },
    failed: {},
  };
  assert.deepEqual([...namedKeys(manifest)].sort(), [liveDatabaseKey(SHA_A, "sales"), liveDatabaseKey(SHA_B, "_internal")]);
});
