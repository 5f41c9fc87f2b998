import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, copyFileSync, mkdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { inspectDatabase, inspectDatabases } from "../../src/inputs/databases.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const userError = (pattern: RegExp) => (error: unknown) => error instanceof UserError && pattern.test(error.message);

test("a valid database is described: name, size, sha256, table counts", async () => {
  const path = makeDatabase(join(dir, "fixtures.db"), { items: 3, "dotted.table": 2 });
  const info = await inspectDatabase(path);
  assert.equal(info.name, "fixtures");
  assert.equal(info.fileName, "fixtures.db");
  assert.equal(info.bytes, readFileSync(path).length);
  assert.equal(info.sha256, createHash("sha256").update(readFileSync(path)).digest("hex"));
  assert.deepEqual(info.tables, { "dotted.table": { count: 2 }, items: { count: 3 } });
});

test("a missing file is named", async () => {
  await assert.rejects(inspectDatabase(join(dir, "nope.db")), userError(/nope\.db: no such file/));
});

test("a file that is not SQLite is rejected by its header", async () => {
  const path = join(dir, "text.db");
  writeFileSync(path, "id,name\n1,a\n");
  await assert.rejects(inspectDatabase(path), userError(/text\.db: not an SQLite database/));
});

test("a database is known by its header, whatever its name; its data is as of its modification time", async () => {
  const path = makeDatabase(join(dir, "exported.csv"), { rows: 2 });
  utimesSync(path, new Date("2026-03-04T05:06:07.890Z"), new Date("2026-03-04T05:06:07.890Z"));
  const db = await inspectDatabase(path);
  assert.equal(db.name, "exported");
  assert.equal(db.fileName, "exported.csv");
  assert.deepEqual(db.tables, { rows: { count: 2 } });
  assert.equal(db.dataAsOf, "2026-03-04T05:06:07Z");
  assert.deepEqual(db.sources, [path]);
});

test("a corrupt database fails quick_check with the file named", async () => {
  const path = makeDatabase(join(dir, "corrupt.db"), { items: 2000 });
  const bytes = readFileSync(path);
  // Keep the header, wreck the pages after the first.
  bytes.fill(0xab, 4096, bytes.length - 100);
  writeFileSync(path, bytes);
  await assert.rejects(inspectDatabase(path), userError(/corrupt\.db: (is corrupt|fails pragma quick_check)/));
});

test("a database with un-checkpointed WAL content is refused with the fix", async () => {
  const path = makeDatabase(join(dir, "wal.db"), { items: 1 }, { wal: true });
  const writer = new DatabaseSync(path);
  writer.exec("pragma wal_autocheckpoint = 0; insert into items (name) values ('late')");
  // Copy while the writer holds the WAL open, as a user copying a live database would.
  mkdirSync(join(dir, "walcopy"));
  copyFileSync(path, join(dir, "walcopy", "wal.db"));
  copyFileSync(`${path}-wal`, join(dir, "walcopy", "wal.db-wal"));
  writer.close();
  await assert.rejects(
    inspectDatabase(join(dir, "walcopy", "wal.db")),
    (error: unknown) => error instanceof UserError && /un-checkpointed/.test(error.message) && /wal_checkpoint/.test(error.hint ?? ""),
  );
});

test("a WAL-mode database without pending changes is accepted", async () => {
  const path = makeDatabase(join(dir, "walok.db"), { items: 4 }, { wal: true });
  const info = await inspectDatabase(path);
  assert.deepEqual(info.tables, { items: { count: 4 } });
});

test("two files Datasette would give the same name are refused", async () => {
  mkdirSync(join(dir, "other"));
  const a = makeDatabase(join(dir, "same.db"));
  const b = makeDatabase(join(dir, "other", "same.sqlite"));
  await assert.rejects(inspectDatabases([a, b]), userError(/would both be served as the database "same"/));
});

test("a file name with a comma is refused (S3 database keys are comma-separated)", async () => {
  const path = makeDatabase(join(dir, "a,b.db"));
  await assert.rejects(inspectDatabase(path), userError(/a,b\.db: the file name has a comma/));
});
