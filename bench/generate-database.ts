// A database of about `megabytes` MB with semi-realistic rows (repetitive
// words, varying numbers): it compresses like real data, not like zeros.
import { statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

export function generateDatabase(path: string, megabytes: number): { bytes: number; rows: number } {
  const db = new DatabaseSync(path);
  db.exec(
    "pragma journal_mode = off; pragma synchronous = off; " +
      "create table rows (id integer primary key, name text, city text, amount real, note text)",
  );
  const insert = db.prepare("insert into rows (name, city, amount, note) values (?, ?, ?, ?)");
  const cities = ["Lisbon", "Oslo", "Lagos", "Lima", "Osaka", "Perth", "Quito", "Accra"];
  let rows = 0;
  db.exec("begin");
  while (rows % 100_000 !== 0 || statSync(path).size < megabytes * 1024 * 1024) {
    insert.run(
      `person ${rows % 50_000}`,
      cities[rows % cities.length]!,
      ((rows * 7919) % 100_000) / 100,
      `note ${(rows * 2654435761) % 1_000_003} ${rows}`,
    );
    rows++;
    if (rows % 100_000 === 0) {
      db.exec("commit");
      db.exec("begin");
    }
  }
  db.exec("commit");
  db.close();
  return { bytes: statSync(path).size, rows };
}
