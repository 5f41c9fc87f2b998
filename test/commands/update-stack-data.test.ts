// The real CLI's dry run with data files beside databases: conversion,
// naming, --into, --pk, --data-as-of, same input → same artifacts, and bad
// data failing with one line naming file, line and reason.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { cliEnv, runCli, runClis, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
/** Any AWS call would go nowhere: a dry run makes none. */
const env = cliEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined });

interface Summary {
  artifacts: Array<{ key: string; bytes: number; sha256: string }>;
  databases: Array<{ name: string; inline: boolean; dataAsOf?: string }>;
}

async function dryRun(args: string[], out: string): Promise<Summary> {
  const result = await runCli(["update-stack", "mysite", ...args, "--dry-run", "--out", out, "--json", ...HOST_BUILD], { env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Summary;
}

function manifestOf(out: string, summary: Summary): { databases: Array<{ name: string; fileName: string; dataAsOf?: string }> } {
  const pkg = summary.artifacts.find((a) => a.key.startsWith("package/"))!;
  return JSON.parse(execFileSync("unzip", ["-p", join(out, "artifacts", pkg.key), "manifest.json"]).toString());
}

function tablesOf(out: string, summary: Summary, name: string): Record<string, unknown[]> {
  const artifact = summary.artifacts.find((a) => a.key.startsWith("db/") && a.key.endsWith(`/${name}.db`))!;
  const db = new DatabaseSync(join(out, "artifacts", artifact.key), { readOnly: true });
  try {
    const names = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all()
      .map((row) => String(row.name));
    return Object.fromEntries(
      names.map((table) => [
        table,
        db
          .prepare(`select * from "${table}"`)
          .all()
          .map((row) => ({ ...row })),
      ]),
    );
  } finally {
    db.close();
  }
}

const at = (iso: string) => new Date(iso);

function dataFiles(subdir: string): { csv: string; json: string; db: string; disguised: string } {
  mkdirSync(join(dir, subdir));
  const csv = join(dir, subdir, "sales.csv");
  writeFileSync(csv, "id,region,amount\n1,north,10.5\n2,south,\n");
  utimesSync(csv, at("2026-05-01T08:00:00Z"), at("2026-05-01T08:00:00.700Z"));
  const json = join(dir, subdir, "regions.json");
  writeFileSync(
    json,
    JSON.stringify([
      { code: "north", name: "North" },
      { code: "south", name: "South" },
    ]),
  );
  utimesSync(json, at("2026-06-01T09:30:00Z"), at("2026-06-01T09:30:00Z"));
  const db = makeDatabase(join(dir, subdir, "people.db"), { people: 2 });
  utimesSync(db, at("2026-01-02T03:04:05Z"), at("2026-01-02T03:04:05Z"));
  // SQLite under a data file's name is served as a database.
  const disguised = makeDatabase(join(dir, subdir, "legacy.csv"), { old: 1 });
  utimesSync(disguised, at("2026-02-02T00:00:00Z"), at("2026-02-02T00:00:00Z"));
  return { csv, json, db, disguised };
}

test(
  "data files become databases named after them, beside databases; data as of each file's time; " + "same input, same artifacts",
  async () => {
    const { csv, json, db, disguised } = dataFiles("beside");
    const out1 = join(dir, "out1");
    const first = await dryRun([csv, db, json, disguised], out1);
    assert.deepEqual(first.databases, [
      { name: "sales", inline: true, dataAsOf: "2026-05-01T08:00:00Z" },
      { name: "people", inline: true, dataAsOf: "2026-01-02T03:04:05Z" },
      { name: "regions", inline: true, dataAsOf: "2026-06-01T09:30:00Z" },
      { name: "legacy", inline: true, dataAsOf: "2026-02-02T00:00:00Z" },
    ]);
    assert.deepEqual(tablesOf(out1, first, "sales"), {
      sales: [
        { id: 1, region: "north", amount: 10.5 },
        { id: 2, region: "south", amount: null },
      ],
    });
    assert.deepEqual(tablesOf(out1, first, "regions"), {
      regions: [
        { code: "north", name: "North" },
        { code: "south", name: "South" },
      ],
    });
    const legacy = first.artifacts.find((a) => a.key.endsWith("/legacy.csv"));
    assert.ok(legacy, "an SQLite file named .csv is shipped as it is, under its own name");
    const manifest = manifestOf(out1, first);
    assert.deepEqual(
      manifest.databases.map((d) => [d.name, d.fileName, d.dataAsOf]),
      [
        ["sales", "sales.db", "2026-05-01T08:00:00Z"],
        ["people", "people.db", "2026-01-02T03:04:05Z"],
        ["regions", "regions.db", "2026-06-01T09:30:00Z"],
        ["legacy", "legacy.csv", "2026-02-02T00:00:00Z"],
      ],
    );

    const second = await dryRun([csv, db, json, disguised], join(dir, "out2"));
    assert.deepEqual(second.artifacts, first.artifacts, "converting again gives the same bytes, so a redeploy uploads nothing");
  },
);

test("--into puts every data file's table into one database; --pk and --data-as-of apply", async () => {
  const { csv, json, db } = dataFiles("into");
  writeFileSync(
    json,
    JSON.stringify([
      { region: "north", name: "North" },
      { region: "south", name: "South" },
    ]),
  );
  const out = join(dir, "into-out");
  const summary = await dryRun([db, csv, json, "--into", "shop", "--pk", "region", "--data-as-of", "2026-12-01T12:00:00+01:00"], out);
  assert.deepEqual(summary.databases, [
    { name: "people", inline: true, dataAsOf: "2026-12-01T11:00:00Z" },
    { name: "shop", inline: true, dataAsOf: "2026-12-01T11:00:00Z" },
  ]);
  assert.deepEqual(Object.keys(tablesOf(out, summary, "shop")), ["regions", "sales"]);
  const shop = summary.artifacts.find((a) => a.key.endsWith("/shop.db"))!;
  const db2 = new DatabaseSync(join(out, "artifacts", shop.key), { readOnly: true });
  for (const table of ["regions", "sales"]) {
    const pk = db2
      .prepare(`pragma table_info("${table}")`)
      .all()
      .filter((column) => Number(column.pk) > 0)
      .map((column) => column.name);
    assert.deepEqual(pk, ["region"], table);
  }
  db2.close();
  assert.ok(manifestOf(out, summary).databases.every((d) => d.dataAsOf === "2026-12-01T11:00:00Z"));
});

function parametersOf(out: string): Record<string, string> {
  const list = JSON.parse(readFileSync(join(out, "parameters.json"), "utf8")) as Array<{ ParameterKey: string; ParameterValue: string }>;
  return Object.fromEntries(list.map((p) => [p.ParameterKey, p.ParameterValue]));
}

test("--fts: an FTS5 index in the converted database, the same bytes again, kept in ConvertSettings for the site", async () => {
  mkdirSync(join(dir, "fts"));
  const posts = join(dir, "fts", "posts.csv");
  writeFileSync(posts, "id,title,body\n1,Hello,First post\n2,Maps,Points on a map\n");
  const out1 = join(dir, "fts-out1");
  const first = await dryRun([posts, "--fts", "title", "--fts", "body"], out1);
  assert.ok("posts_fts" in tablesOf(out1, first, "posts"));
  assert.equal(parametersOf(out1).ConvertSettings, '{"fts":["title","body"]}');
  const second = await dryRun([posts, "--fts", "title", "--fts", "body"], join(dir, "fts-out2"));
  assert.deepEqual(second.artifacts, first.artifacts, "the index is built the same way: a redeploy uploads nothing");
  const plain = join(dir, "fts-out3");
  const without = await dryRun([posts], plain);
  assert.notDeepEqual(without.artifacts, first.artifacts);
  assert.equal(parametersOf(plain).ConvertSettings, "{}");
  // With no data file, the setting is still the site's: for files put into incoming/.
  const db = makeDatabase(join(dir, "fts", "people.db"));
  const onlyDb = join(dir, "fts-out4");
  await dryRun([db, "--fts", "title"], onlyDb);
  assert.equal(parametersOf(onlyDb).ConvertSettings, '{"fts":["title"]}');
});

test("--encoding: a Windows CSV converts, and the site keeps the encoding for incoming/ files", async () => {
  mkdirSync(join(dir, "encoding"));
  const excel = join(dir, "encoding", "prices.csv");
  writeFileSync(excel, Buffer.from("item,price\nCr\xe8me br\xfbl\xe9e,\x804\n", "latin1"));
  const out = join(dir, "encoding-out");
  const summary = await dryRun([excel, "--encoding", "cp1252", "--fts", "item"], out);
  assert.deepEqual(tablesOf(out, summary, "prices").prices, [{ item: "Crème brûlée", price: "€4" }]);
  assert.equal(parametersOf(out).ConvertSettings, '{"fts":["item"],"encoding":"cp1252"}');
});

test("bad data input: one line naming the file, line and reason, exit 1, nothing written", async () => {
  const good = join(dir, "good.csv");
  writeFileSync(good, "id,name\n1,a\n");
  const ragged = join(dir, "ragged.csv");
  writeFileSync(ragged, 'id,name\n1,"two\nlines"\n2,b,extra\n');
  const latin1 = join(dir, "latin1.csv");
  writeFileSync(latin1, Buffer.from("name\nJos\xe9\n", "latin1"));
  const db = makeDatabase(join(dir, "good.db"));
  const cases: Array<[string[], RegExp]> = [
    [[good, ragged], /ragged\.csv:4: 3 fields where the header has 2$/],
    [[latin1], /latin1\.csv:2: not UTF-8 \(byte 0xE9\): name its encoding with --encoding, e\.g\. --encoding cp1252/],
    [[good, "--encoding", "klingon"], /^Error: --encoding klingon: Python knows no text encoding of that name/],
    [[good, "--pk", "nope"], /good\.csv: --pk nope: no such column \(columns: id, name\)$/],
    [[good, db], /would both be served as the database "good"/],
    [[good, join(dir, "missing.json")], /missing\.json: no such file/],
    [[good, "--into", "my data"], /--into: "my data" is not a database name/],
    [[db, "--into", "all"], /--into all applies to data files \(CSV, JSON, \.\.\.\), and none was given/],
    [[db, "--pk", "id"], /--pk id applies to data files/],
    [[good, "--fts", "titel"], /--fts titel: no table made from the data files has such a column$/],
    [[good, "--fts", ""], /--fts needs a column name$/],
    [[good, "--data-as-of", "2026-12-01 10:00"], /--data-as-of "2026-12-01 10:00" is not an ISO 8601 date or time/],
    [[good, "--data-as-of", "2026-12-01T10:00:00"], /--data-as-of "2026-12-01T10:00:00" has a time but no time zone/],
  ];
  writeFileSync(join(dir, "notes.txt"), "hello");
  cases.push([[join(dir, "notes.txt")], /notes\.txt: neither an SQLite database nor a data file/]);
  const outs = cases.map(() => join(dir, `bad-${Math.random().toString(36).slice(2)}`));
  const results = await runClis(
    cases.map(([args], i) => ["update-stack", "mysite", ...args, "--dry-run", "--out", outs[i]!, ...HOST_BUILD]),
    { env },
  );
  for (const [i, [args, pattern]] of cases.entries()) {
    const out = outs[i]!;
    const result = results[i]!;
    assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
    const lines = result.stderr
      .trim()
      .split("\n")
      .filter((line) => line.startsWith("Error:"));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
    assert.equal(result.stdout, "");
    assert.equal(existsSync(out), false, `${args.join(" ")} left ${out} behind`);
  }
});
