// Reads and checks the user's database files before anything is built:
// each must exist, be SQLite, pass `PRAGMA quick_check`, and have no
// un-checkpointed WAL (its rows would be missing from the copy we ship).
import { DatabaseSync } from "node:sqlite";
import { stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { checkDistinctNames } from "../database-names.ts";
import { isoSeconds } from "../plan/data-as-of.ts";
import type { DatabaseInput } from "../plan/types.ts";
import { sha256File } from "../util/sha256.ts";
import { readHeader, SQLITE_HEADER } from "./input-files.ts";

/** Datasette names a database after its file name without the extension. */
export function databaseName(path: string): string {
  return basename(path, extname(path));
}

async function nonEmptyFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

function countTables(db: DatabaseSync): Record<string, { count: number }> {
  const tables: Record<string, { count: number }> = {};
  const names = db
    .prepare("select name from sqlite_master where type = 'table' order by name")
    .all()
    .map((row) => String(row.name));
  for (const name of names) {
    try {
      const row = db.prepare(`select count(*) as n from "${name.replaceAll('"', '""')}"`).get();
      tables[name] = { count: Number(row?.n ?? 0) };
    } catch {
      // A virtual table whose module node:sqlite lacks (e.g. SpatiaLite):
      // leave it out and let Datasette count it at run time.
    }
  }
  return tables;
}

/** Validates one database file and collects what the plan needs to know about it. */
export async function inspectDatabase(file: string): Promise<DatabaseInput> {
  const path = resolve(file);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`${file}: no such file`, { hint: "Check the path of each file you pass." });
  if (!info.isFile()) throw new UserError(`${file}: not a file`, { hint: "Pass SQLite database files, not directories." });

  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what S3 keys cannot carry
  if (/[,\u0000-\u001f\u007f]/.test(basename(path))) {
    throw new UserError(`${file}: the file name has a comma or control character, which S3 keys of the site cannot carry`, {
      hint: "Rename the file (its name becomes the database's name in Datasette).",
    });
  }
  // Which files are databases is decided by src/inputs/input-files.ts: SQLite's header, whatever the name.
  const header = await readHeader(path);
  if (header === undefined) {
    throw new UserError(`${file}: cannot be read`, { hint: "Check the file's permissions." });
  }
  if (!header.equals(SQLITE_HEADER)) {
    throw new UserError(`${file}: not an SQLite database (its first bytes are not "SQLite format 3")`, {
      hint: "Pass a SQLite database file; check it with: sqlite3 FILE 'pragma quick_check'",
    });
  }
  if (await nonEmptyFile(`${path}-wal`)) {
    throw new UserError(`${file}: has un-checkpointed changes in ${basename(path)}-wal that would not be published`, {
      hint: `Checkpoint it first: sqlite3 ${file} 'pragma wal_checkpoint(truncate)'`,
    });
  }

  let db: DatabaseSync;
  try {
    // immutable=1: read the file as it is, without creating -wal/-shm files beside it.
    db = new DatabaseSync(`file:${encodeURI(path).replaceAll("?", "%3F").replaceAll("#", "%23")}?immutable=1`, { readOnly: true });
  } catch (error) {
    throw new UserError(`${file}: cannot be opened as SQLite (${(error as Error).message})`, { cause: error });
  }
  try {
    let result: string;
    try {
      result = db
        .prepare("pragma quick_check")
        .all()
        .map((row) => String(row.quick_check))
        .join("; ");
    } catch (error) {
      throw new UserError(`${file}: is corrupt (${(error as Error).message})`, {
        hint: "Repair it, e.g. sqlite3 FILE '.recover' | sqlite3 repaired.db",
        cause: error,
      });
    }
    if (result !== "ok") {
      throw new UserError(`${file}: fails pragma quick_check: ${result.slice(0, 200)}`, {
        hint: "Repair it, e.g. sqlite3 FILE '.recover' | sqlite3 repaired.db",
      });
    }
    const tables = countTables(db);
    return {
      name: databaseName(path),
      path,
      fileName: basename(path),
      bytes: info.size,
      sha256: await sha256File(path),
      tables,
      dataAsOf: isoSeconds(info.mtimeMs),
      sources: [file],
    };
  } finally {
    db.close();
  }
}

/** Inspects every file and rejects two that Datasette would give the same name (ignoring case, as the name rule does). */
export async function inspectDatabases(files: string[]): Promise<DatabaseInput[]> {
  const databases: DatabaseInput[] = [];
  for (const file of files) databases.push(await inspectDatabase(file));
  checkDistinctNames(
    databases.map((db, index) => ({ name: db.name, from: files[index] ?? db.path })),
    "Rename one of the files: Datasette names each database after its file name.",
  );
  return databases;
}
