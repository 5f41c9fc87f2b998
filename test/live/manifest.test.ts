import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emptyLiveManifest,
  isoSeconds,
  liveDatabaseKey,
  LiveManifestError,
  namedKeys,
  parseLiveManifest,
  serializeLiveManifest,
  withPublished,
  withRemoved,
  type LiveDatabase,
} from "../../src/live/manifest.ts";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

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
    failed: { "bad.csv": { reason: "bad.csv:3: expected 4 columns, got 5", at: "2026-12-01T10:01:00Z", key: "failed/bad.csv" } },
  };
  const parsed = parseLiveManifest(JSON.stringify(manifest));
  assert.deepEqual(parsed, manifest);
  const text = serializeLiveManifest(parsed);
  assert.ok(text.indexOf('"animals"') < text.indexOf('"sales"'));
  assert.equal(serializeLiveManifest(parseLiveManifest(text)), text);
  assert.ok(text.endsWith("}\n"));
});

test("parse: fields this version does not know are kept; missing maps are empty", () => {
  const parsed = parseLiveManifest(
    JSON.stringify({ format: 1, future: { x: 1 }, databases: { s: { ...entry("s", SHA_A), extra: true } } }),
  );
  assert.deepEqual((parsed as unknown as { future: unknown }).future, { x: 1 });
  assert.equal((parsed.databases.s as unknown as { extra: boolean }).extra, true);
  assert.deepEqual(parsed.failed, {});
  assert.deepEqual(parseLiveManifest('{"format": 1}').databases, {});
});

test("parse: refuses what it cannot trust, naming the field", () => {
  const cases: [unknown, RegExp][] = [
    ["not json", /not JSON/],
    [[], /not a JSON object/],
    [{ format: 2, databases: {} }, /format 2/],
    [{ format: 1, databases: [] }, /databases must be an object/],
    [{ format: 1, databases: { "a b": entry("x", SHA_A) } }, /"a b"/],
    [{ format: 1, databases: { s: { ...entry("s", SHA_A), sha256: "xyz" } } }, /databases\.s\.sha256/],
    [{ format: 1, databases: { s: { ...entry("s", SHA_A), key: "db/elsewhere.db" } } }, /databases\.s\.key/],
    [{ format: 1, databases: { s: { ...entry("s", SHA_A), bytes: -1 } } }, /databases\.s\.bytes/],
    [{ format: 1, databases: { s: { ...entry("s", SHA_A), dataAsOf: 5 } } }, /databases\.s\.dataAsOf/],
    [{ format: 1, databases: {}, failed: { "x.csv": { reason: "r", at: "t" } } }, /failed\.x\.csv\.key/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseLiveManifest(typeof raw === "string" ? raw : JSON.stringify(raw)),
      (error: unknown) => {
        return error instanceof LiveManifestError && message.test(error.message);
      },
      String(message),
    );
  }
});

test("withPublished: adds or replaces only the named databases and clears their sources' failures", () => {
  const before = {
    format: 1 as const,
    databases: { sales: entry("sales", SHA_A), other: entry("other", SHA_B) },
    failed: {
      "sales.csv": { reason: "sales.csv:2: bad", at: "t", key: "failed/sales.csv" },
      "else.csv": { reason: "else.csv:9: bad", at: "t", key: "failed/else.csv" },
    },
  };
  const next = withPublished(before, [
    { name: "sales", entry: entry("sales", SHA_B), sources: ["sales.csv"] },
    { name: "fresh", entry: entry("fresh", SHA_A), sources: ["fresh.csv"] },
  ]);
  assert.deepEqual(Object.keys(next.databases).sort(), ["fresh", "other", "sales"]);
  assert.equal(next.databases.sales?.sha256, SHA_B);
  assert.deepEqual(next.databases.other, before.databases.other);
  assert.deepEqual(Object.keys(next.failed), ["else.csv"]);
  assert.equal(before.databases.sales.sha256, SHA_A, "the input is not changed");
  assert.ok("sales.csv" in before.failed);
});

test("withRemoved: drops one database, undefined when it is not there", () => {
  const before = { format: 1 as const, databases: { sales: entry("sales", SHA_A), other: entry("other", SHA_B) }, failed: {} };
  assert.deepEqual(Object.keys(withRemoved(before, "sales")?.databases ?? {}), ["other"]);
  assert.equal(withRemoved(before, "nope"), undefined);
  assert.equal(withRemoved(before, "toString"), undefined, "not fooled by Object.prototype");
  assert.deepEqual(Object.keys(before.databases), ["sales", "other"]);
});

test("namedKeys: every key the manifest names", () => {
  const manifest = { format: 1 as const, databases: { sales: entry("sales", SHA_A), other: entry("other", SHA_B) }, failed: {} };
  assert.deepEqual([...namedKeys(manifest)].sort(), [liveDatabaseKey(SHA_A, "sales"), liveDatabaseKey(SHA_B, "other")]);
});
