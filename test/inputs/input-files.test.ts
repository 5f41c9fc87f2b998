import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { inputKind, SQLITE_HEADER, splitInputs } from "../../src/inputs/input-files.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const text = Buffer.from("id,name\n");

test("SQLite's header makes a database whatever the name; otherwise the extension decides", () => {
  assert.equal(inputKind("data.csv", Buffer.concat([SQLITE_HEADER, Buffer.from("rest")])), "database");
  assert.equal(inputKind("data.CSV", text), "data");
  for (const name of ["a.tsv", "a.json", "a.ndjson", "a.jsonl", "a.yaml", "a.yml", "a.md", "a.xlsx"])
    assert.equal(inputKind(name, text), "data", name);
  assert.equal(inputKind("broken.db", text), "database", "a .db that is not SQLite is left to the database check, which says so");
  assert.equal(inputKind("notes.txt", text), null);
  assert.equal(inputKind("short.csv", Buffer.from("SQLite")), "data");
});

test("splitInputs keeps the order; an unreadable file goes to the database check; other files are refused", async () => {
  const db = makeDatabase(join(dir, "a.db"));
  const disguised = makeDatabase(join(dir, "b.csv"));
  const csv = join(dir, "c.csv");
  writeFileSync(csv, "x\n1\n");
  const missing = join(dir, "missing.db");
  assert.deepEqual(await splitInputs([csv, db, missing, disguised]), { databases: [db, missing, disguised], dataFiles: [csv] });
  const txt = join(dir, "notes.txt");
  writeFileSync(txt, "hello");
  await assert.rejects(
    splitInputs([txt]),
    (error: unknown) =>
      error instanceof UserError &&
      /notes\.txt: neither an SQLite database nor a data file/.test(error.message) &&
      /\.csv/.test(error.hint ?? ""),
  );
});
