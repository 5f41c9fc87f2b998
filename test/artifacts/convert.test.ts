// Converting data files from the CLI: the pure decisions, and real runs of
// the converter (datasette_lambda.convert) in the cached host environment (built once per machine).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { conversionGroups, convertDataFiles, converterOutcome } from "../../src/artifacts/convert.ts";
import {
  chooseInstaller,
  converterEnvKey,
  converterRequirements,
  findHostPython,
  hostInstallCommand,
} from "../../src/artifacts/converter-env.ts";
import { readStubRequirements } from "../../src/artifacts/package.ts";
import { UserError } from "../../src/errors.ts";
import { cliEnv } from "../_helpers/cli.ts";
import { tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const env = cliEnv();
const userError = (pattern: RegExp) => (error: unknown) => error instanceof UserError && pattern.test(error.message);

test("each file is its own database, or --into makes one; two files with one name are refused", () => {
  assert.deepEqual(conversionGroups(["a/sales.csv", "b/my regions.json"]), [
    { name: "sales", files: ["a/sales.csv"] },
    { name: "my_regions", files: ["b/my regions.json"] },
  ]);
  assert.deepEqual(conversionGroups(["a.csv", "b.json"], "data"), [{ name: "data", files: ["a.csv", "b.json"] }]);
  assert.deepEqual(conversionGroups([], "data"), []);
  assert.throws(
    () => conversionGroups(["x/a.csv", "y/A.json"]),
    userError(/x\/a\.csv and y\/A\.json would be served as the databases "a" and "A", whose names differ only in case/),
  );
  assert.throws(
    () => conversionGroups(["x/b.csv", "y/b.json"]),
    userError(/x\/b\.csv and y\/b\.json would both be served as the database "b"/),
  );
  assert.throws(() => conversionGroups(["x/_internal.csv"]), {
    message: '_internal.csv: the database name "_internal" is Datasette\'s own database; rename the file',
  });
  assert.throws(() => conversionGroups(["x.csv"], "_memory"), {
    message: '--into: the database name "_memory" is Datasette\'s in-memory database, /_memory; choose another name',
  });
});

test("the converter's exit and JSON become the result or a one-line error naming file and line", () => {
  const ok = { database: "/w/a.db", tables: { a: { count: 1 } }, bytes: 8192, sha256: "f".repeat(64) };
  assert.deepEqual(converterOutcome(0, `${JSON.stringify(ok)}\n`, "", ["a.csv"]), ok);
  const failure = JSON.stringify({ error: { file: "a.csv", line: 7, reason: "3 fields where the header has 2" } });
  assert.throws(() => converterOutcome(2, failure, "", ["a.csv"]), userError(/^a\.csv:7: 3 fields where the header has 2$/));
  const noLine = JSON.stringify({ error: { file: "b.xlsx", line: null, reason: "every sheet is empty" } });
  assert.throws(() => converterOutcome(2, noLine, "", ["b.xlsx"]), userError(/^b\.xlsx: every sheet is empty$/));
  assert.throws(
    () => converterOutcome(1, "", "Traceback...\nMemoryError\n", ["c.csv"]),
    userError(/^converting c\.csv failed: MemoryError$/),
  );
});

test("the host environment pins exactly the converter's lines of stub/requirements.txt", async () => {
  const lines = converterRequirements(await readStubRequirements());
  assert.deepEqual(lines.map((line) => line.split("==")[0]!.toLowerCase()).sort(), [
    "openpyxl",
    "python-frontmatter",
    "pyyaml",
    "sqlite-utils",
  ]);
  assert.ok(
    lines.every((line) => /==\d/.test(line)),
    "pinned",
  );
  assert.throws(() => converterRequirements(["datasette==0.65.5"]), /does not pin sqlite-utils/);
  assert.notEqual(converterEnvKey(lines, "3.11"), converterEnvKey(lines, "3.12"));
  assert.equal(converterEnvKey(lines, "3.11"), converterEnvKey([...lines].reverse(), "3.11"));
  assert.deepEqual(hostInstallCommand("uv", "/usr/bin/python3", "/c/t", "/c/r.txt")[1].slice(0, 6), [
    "pip",
    "install",
    "--quiet",
    "--python",
    "/usr/bin/python3",
    "--target",
  ]);
  assert.deepEqual(hostInstallCommand("pip", "python3", "/c/t", "/c/r.txt").slice(0, 1), ["python3"]);
});

test("convertDataFiles: databases named after the files, or one with --into; same input, same bytes", async () => {
  const csv = join(dir, "sales 2026.csv");
  writeFileSync(csv, "id,region,amount\n1,north,10.5\n2,south,\n");
  const json = join(dir, "regions.json");
  writeFileSync(
    json,
    JSON.stringify([
      { code: "north", name: "North" },
      { code: "south", name: "South" },
    ]),
  );
  const work = join(dir, "work1");
  mkdirSync(work);
  const [sales, regions] = await convertDataFiles([csv, json], { workDir: work, env });
  assert.equal(sales!.name, "sales_2026");
  assert.equal(sales!.fileName, "sales_2026.db");
  assert.equal(sales!.path, join(work, "sales_2026.db"));
  assert.deepEqual(sales!.tables, { "sales 2026": { count: 2 } });
  assert.deepEqual(sales!.sources, [csv]);
  assert.equal(sales!.sha256, createHash("sha256").update(readFileSync(sales!.path)).digest("hex"));
  assert.equal(sales!.bytes, readFileSync(sales!.path).length);
  assert.deepEqual(regions!.tables, { regions: { count: 2 } });
  const db = new DatabaseSync(sales!.path, { readOnly: true });
  assert.deepEqual(
    db
      .prepare('select amount from "sales 2026" order by id')
      .all()
      .map((row) => row.amount),
    [10.5, null],
  );
  db.close();

  const work2 = join(dir, "work2");
  mkdirSync(work2);
  // --pk applies to every table: regions has no id.
  await assert.rejects(
    convertDataFiles([csv, json], { workDir: work2, env, into: "all", pk: "id" }),
    userError(/regions\.json: --pk id: no such column \(columns: code, name\)$/),
  );
  const [merged] = await convertDataFiles([csv, json], { workDir: work2, env, into: "all" });
  assert.equal(merged!.name, "all");
  assert.deepEqual(merged!.tables, { "sales 2026": { count: 2 }, regions: { count: 2 } });
  assert.deepEqual(merged!.sources, [csv, json]);

  const again = await convertDataFiles([csv], { workDir: work2, env });
  assert.equal(again[0]!.sha256, sales!.sha256, "deterministic");
});

test("convertDataFiles: a bad row is one UserError with file, line and reason, and nothing is left behind", async () => {
  const bad = join(dir, "bad.csv");
  writeFileSync(bad, 'a,b\n1,2\n3,"x\ny",4\n');
  const work = join(dir, "work3");
  mkdirSync(work);
  await assert.rejects(convertDataFiles([bad], { workDir: work, env }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `${bad}:3: 3 fields where the header has 2`);
    return true;
  });
  await assert.rejects(convertDataFiles([bad], { workDir: work, env, pk: "nope" }), userError(/bad\.csv:3: 3 fields/));
  assert.deepEqual(readdirSync(work), []);
});

test("no Python 3.10+, or neither uv nor pip: one line saying what to install", async () => {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const bare = { PATH: bin };
  await assert.rejects(
    findHostPython(bare),
    (error: unknown) =>
      error instanceof UserError &&
      /needs Python 3\.10 or newer, and none was found/.test(error.message) &&
      /Install Python 3/.test(error.hint ?? ""),
  );
  // A Python too old to run the converter is passed over, not used.
  writeFileSync(join(bin, "python3"), "#!/bin/sh\necho 3.9\n");
  chmodSync(join(bin, "python3"), 0o755);
  await assert.rejects(findHostPython(bare), userError(/needs Python 3\.10 or newer/));
  // A Python without pip, and no uv on PATH.
  writeFileSync(join(bin, "python3"), '#!/bin/sh\n[ "$1" = "-m" ] && exit 1\necho 3.12\n');
  assert.deepEqual(await findHostPython(bare), { python: "python3", version: "3.12" });
  await assert.rejects(
    chooseInstaller("python3", bare),
    (error: unknown) =>
      error instanceof UserError &&
      /needs uv or pip to install the converter's packages, and neither was found/.test(error.message) &&
      /Install uv/.test(error.hint ?? ""),
  );
});
