// The contract between the CLI and the runtime, from the TypeScript side: the
// golden examples agree with the schemas, the CLI's readers make of each
// example what the examples say (stub/tests/test_contract.py runs the runtime's
// readers over the same files), and what the CLI writes passes the schemas.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { publishDatabases, removeDatabase } from "../../src/aws/live-publish.ts";
import { converterOutcome } from "../../src/artifacts/convert.ts";
import { UserError } from "../../src/errors.ts";
import { deployedRecord, parseDeployedRecord, serializeDeployedRecord } from "../../src/live/deployed.ts";
import { entryProblem, liveEntries, LIVE_MANIFEST_KEY, LiveManifestError, parseLiveManifest } from "../../src/live/manifest.ts";
import { liveNameFromFile, nameError, nameProblem } from "../../src/database-names.ts";
import { parseSiteStatus } from "../../src/live/site-status.ts";
import { CONTRACT_DIR, DOCUMENTS, examples, readExample, readSchema, schemaErrors, validator } from "../_helpers/contract.ts";
import { FakeBucket } from "../_helpers/fake-artifact-bucket.ts";
import { tempDir } from "../_helpers/fixtures.ts";
import { sampleDatabase, samplePlan } from "../_helpers/plan.ts";

test("every golden example is valid or invalid by its schema as its name says", () => {
  for (const document of DOCUMENTS) {
    const all = examples(document);
    assert.ok(all.some((e) => e.valid) && all.some((e) => !e.valid), `${document}: examples of both kinds`);
    for (const example of all) {
      const errors = schemaErrors(document, example.text);
      assert.equal(errors.length === 0, example.valid, `${document}/${example.file}: ${errors.join("; ") || "accepted"}`);
    }
  }
});

test("the live manifest schema's name is names.json's rule, its characters and reserved names in any case", () => {
  const rule = JSON.parse(readFileSync(join(CONTRACT_DIR, "names.json"), "utf8")) as {
    characters: string;
    reserved: Record<string, string>;
  };
  const anyCase = (word: string) =>
    [...word].map((c) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join("");
  const name = (readSchema("live-manifest").$defs as Record<string, { pattern: string; not: { pattern: string } }>).name!;
  assert.equal(name.pattern, `^[${rule.characters}]+(?![\\s\\S])`);
  assert.equal(name.not.pattern, `^(?:${Object.keys(rule.reserved).map(anyCase).join("|")})(?![\\s\\S])`);
});

test("live manifest: the reader refuses, serves and skips (with the reason) what readers.json says, for every example", () => {
  const expected =
    readExample<Record<string, { refused?: true; deployed?: string[]; served?: string[]; problems?: object }>>(
      "live-manifest/readers.json",
    );
  const all = examples("live-manifest");
  assert.deepEqual(
    Object.keys(expected)
      .filter((file) => file.endsWith(".json"))
      .sort(),
    all.map((e) => e.file).sort(),
  );
  for (const { file, text } of all) {
    const want = expected[file]!;
    if (want.refused) {
      assert.throws(() => parseLiveManifest(text), LiveManifestError, file);
      continue;
    }
    const { databases, problems } = liveEntries(parseLiveManifest(text), want.deployed);
    assert.deepEqual(Object.keys(databases), want.served, file);
    assert.deepEqual(Object.fromEntries(problems.map((p) => [p.name, p.reason])), want.problems, file);
  }
});

test("live manifest: an entry the reader serves is one the schema accepts (its name aside from the others), and only such", () => {
  const database = validator("live-manifest", "database");
  const name = validator("live-manifest", "name");
  let entries = 0;
  for (const { text } of examples("live-manifest")) {
    let manifest;
    try {
      manifest = parseLiveManifest(text);
    } catch {
      continue;
    }
    for (const [key, entry] of Object.entries(manifest.databases)) {
      entries++;
      const served = (nameProblem(key) ?? entryProblem(entry)) === undefined;
      assert.equal(served, name(key) && database(entry), JSON.stringify({ [key]: entry }));
    }
  }
  assert.ok(entries > 20, `${entries} entries`);
});

test("names: every publisher's name and error for each example file, flag and taken name", () => {
  const cases = readExample<{
    files: { file: string; name: string; error: string | null }[];
    flags: { flag: string; name: string; error: string | null }[];
    taken: { name: string; taken: string[]; problem: string | null }[];
  }>("names/cases.json");
  for (const { file, name, error } of cases.files) {
    assert.equal(liveNameFromFile(file), name, file);
    const problem = nameProblem(name);
    assert.equal(problem === undefined ? null : nameError({ file }, problem), error, file);
  }
  for (const { flag, name, error } of cases.flags) {
    const problem = nameProblem(name);
    assert.equal(problem === undefined ? null : nameError({ flag }, problem), error, JSON.stringify(name));
  }
  for (const { name, taken, problem } of cases.taken) assert.equal(nameProblem(name, taken) ?? null, problem, name);
});

test("deployed record: read when the schema accepts it, else taken as no record", () => {
  for (const { file, valid, text } of examples("deployed-record")) {
    assert.equal(parseDeployedRecord(text) !== undefined, valid, file);
  }
});

test("site status: push reads the answer to its question from a valid answer that has one, and nothing else", () => {
  for (const { file, valid, text } of examples("site-status")) {
    const raw = valid ? (JSON.parse(text) as { expected?: Record<string, boolean> }) : undefined;
    assert.deepEqual(parseSiteStatus(text), raw?.expected ? { expected: raw.expected } : undefined, file);
  }
});

test("conversion result: the CLI takes a valid database or error, and reports anything else as the converter failing", () => {
  for (const { file, valid, text } of examples("conversion-result")) {
    const raw = JSON.parse(text) as { error?: { file: string; line: number | null; reason: string } };
    const code = raw.error ? 2 : 0;
    if (valid && !raw.error) {
      assert.deepEqual(converterOutcome(code, `${text}\n`, "", ["x.csv"]), raw, file);
      continue;
    }
    assert.throws(
      () => converterOutcome(code, `${text}\n`, "", ["x.csv"]),
      (error: unknown) => {
        if (!(error instanceof UserError)) return false;
        const expected = valid ? `${raw.error!.file}${raw.error!.line === null ? "" : `:${raw.error!.line}`}: ${raw.error!.reason}` : "";
        return valid ? error.message === expected : error.message.startsWith("converting x.csv failed");
      },
      file,
    );
  }
});

test("what the CLI writes passes the schemas: the live manifest (publish, remove) and the deployed record", async () => {
  const dir = tempDir();
  const bucket = new FakeBucket();
  const written = () => bucket.objects.get(LIVE_MANIFEST_KEY)!.toString();
  const path = join(dir, "sales.db");
  writeFileSync(path, "sales");
  const items = ["sales", "animals"].map((name) => ({
    name,
    path,
    bytes: 5,
    sha256: name === "sales" ? "a".repeat(64) : "b".repeat(64),
    tables: { [name]: { count: 1 } },
    dataAsOf: name === "sales" ? "2026-11-30T08:00:00Z" : undefined,
    sources: [`${name}.csv`],
    nameFrom: { file: `${name}.csv` },
  }));
  await publishDatabases(bucket.client, bucket.name, items, { sleep: async () => {}, random: () => 0.5 });
  assert.deepEqual(schemaErrors("live-manifest", written()), []);
  assert.deepEqual(Object.keys(parseLiveManifest(written()).databases).sort(), ["animals", "sales"]);
  await removeDatabase(bucket.client, bucket.name, "sales", { sleep: async () => {}, random: () => 0.5 });
  assert.deepEqual(schemaErrors("live-manifest", written()), []);

  const zoo = { ...sampleDatabase("zoo", "s3"), dataAsOf: "2026-11-30T09:00:00Z", sources: ["/d/zoo.csv"] };
  const plan = samplePlan({ databases: [zoo, sampleDatabase("fixtures", "inline")] });
  assert.deepEqual(schemaErrors("deployed-record", serializeDeployedRecord(deployedRecord(plan, "2026-12-01T10:00:00Z"))), []);
});
