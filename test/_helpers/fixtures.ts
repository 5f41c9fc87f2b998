// Test fixtures made on the fly: no binary files in the repository.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after } from "node:test";

/** A temp directory removed when the test file finishes. */
export function tempDir(prefix = "dl-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Creates a SQLite database with tables of `rows` rows each. */
export function makeDatabase(path: string, tables: Record<string, number> = { items: 3 }, options: { wal?: boolean } = {}): string {
  const db = new DatabaseSync(path);
  if (options.wal) db.exec("pragma journal_mode = wal");
  for (const [name, rows] of Object.entries(tables)) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    db.exec(`create table ${quoted} (id integer primary key, name text, value real)`);
    db.exec("begin");
    const insert = db.prepare(`insert into ${quoted} (name, value) values (?, ?)`);
    for (let i = 0; i < rows; i++) insert.run(`row ${i}`, i * 1.5);
    db.exec("commit");
  }
  db.close();
  return path;
}

/** DIR/VERSION/fixtures.db with `rows` items: versions of one database share its file name. */
export function databaseVersion(dir: string, version: string, rows: number): string {
  const folder = join(dir, version);
  mkdirSync(folder, { recursive: true });
  return makeDatabase(join(folder, "fixtures.db"), { items: rows });
}
