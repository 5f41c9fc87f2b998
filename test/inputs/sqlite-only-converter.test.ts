import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { sqliteOnlyConverter } from "../../src/inputs/sqlite-only-converter.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const options = { workDir: dir };

test("SQLite databases pass through, checked, named after the file per the contract; --into renames one", async () => {
  const path = makeDatabase(join(dir, "my sales.2026.db"), { sales: 4 });
  const [db] = await sqliteOnlyConverter([path], options);
  assert.equal(db?.name, "my_sales_2026");
  assert.equal(db?.fileName, "my_sales_2026.db");
  assert.equal(db?.path, path, "uploaded as is, not copied");
  assert.deepEqual(db?.tables, { sales: { count: 4 } });
  assert.match(db?.sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(db?.sources, [path]);
  const [renamed] = await sqliteOnlyConverter([path], { ...options, into: "sales" });
  assert.equal(renamed?.name, "sales");
});

test("data files, --pk, and --into over several databases are refused with what to do instead", async () => {
  const csv = join(dir, "data.csv");
  writeFileSync(csv, "id\n1\n");
  const db = makeDatabase(join(dir, "a.db"));
  await assert.rejects(sqliteOnlyConverter([db, csv], options), (error: unknown) => {
    return error instanceof UserError && error.message.startsWith(`${csv}: converting .csv files is not available`) && /sqlite-utils insert/.test(error.hint ?? "");
  });
  await assert.rejects(sqliteOnlyConverter([db], { ...options, pk: "id" }), /--pk/);
  await assert.rejects(sqliteOnlyConverter([db, makeDatabase(join(dir, "b.db"))], { ...options, into: "x" }), /cannot be merged/);
  await assert.rejects(sqliteOnlyConverter([db], { ...options, into: "x y" }), /--into "x y"/);
});
