import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { pushFiles } from "../../src/artifacts/push-files.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const options = { workDir: dir };

test("SQLite databases pass through, checked, named after the file per the contract; --into renames one", async () => {
  const path = makeDatabase(join(dir, "my sales.2026.db"), { sales: 4 });
  const [db] = await pushFiles([path], options);
  assert.equal(db?.name, "my_sales_2026");
  assert.equal(db?.fileName, "my_sales_2026.db");
  assert.equal(db?.path, path, "uploaded as is, not copied");
  assert.deepEqual(db?.tables, { sales: { count: 4 } });
  assert.match(db?.sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(db?.sources, [path]);
  const [renamed] = await pushFiles([path], { ...options, into: "sales" });
  assert.equal(renamed?.name, "sales");
});

test("data files are converted by the real converter, beside databases", async () => {
  const csv = join(dir, "prices 2026.csv");
  writeFileSync(csv, "id,item,price\n1,tea,2.5\n2,cake,3\n");
  const db = makeDatabase(join(dir, "other.db"));
  const converted = await pushFiles([db, csv], { workDir: dir });
  assert.deepEqual(
    converted.map((c) => c.name),
    ["other", "prices_2026"],
  );
  assert.deepEqual(converted[1]?.tables, { "prices 2026": { count: 2 } });
  assert.deepEqual(converted[1]?.sources, [csv]);
});

test("a malformed data file names its line; --pk without data files and --into over databases are refused", async () => {
  const bad = join(dir, "bad.csv");
  writeFileSync(bad, "id,name\n1,a\n2,b,c\n");
  await assert.rejects(pushFiles([bad], options), (error: unknown) => error instanceof UserError && error.message.startsWith(`${bad}:3:`));
  const db = makeDatabase(join(dir, "a.db"));
  await assert.rejects(pushFiles([db], { ...options, pk: "id" }), /--pk/);
  await assert.rejects(pushFiles([db, makeDatabase(join(dir, "b.db"))], { ...options, into: "x" }), /cannot be merged/);
  await assert.rejects(pushFiles([db], { ...options, into: "x y" }), /--into: "x y" is not a database name/);
});
