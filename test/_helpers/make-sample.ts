// Writes a small sample database for the README's first command: `npm run sample`.
import { DatabaseSync } from "node:sqlite";
import { existsSync } from "node:fs";

const path = process.argv[2] ?? "sample.db";
if (existsSync(path)) {
  console.error(`${path} exists; leaving it as it is`);
} else {
  const db = new DatabaseSync(path);
  db.exec(`create table cities (id integer primary key, name text, country text, population integer);
    insert into cities (name, country, population) values
      ('Lisbon', 'Portugal', 545923), ('Oslo', 'Norway', 709037), ('Lagos', 'Nigeria', 15388000),
      ('Lima', 'Peru', 10092000), ('Osaka', 'Japan', 2752000), ('Quito', 'Ecuador', 2011388);`);
  db.close();
  console.error(`wrote ${path}`);
}
