// Names of the databases a site serves (docs/live-data.md, Names). The rule is
// data, stub/datasette_lambda/contract/names.json, which the runtime and the
// converter function read too: the characters a name may have, the names
// Datasette keeps for itself, and the messages, so every publisher refuses a
// name with the same words. Names are compared ignoring case.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { UserError } from "./errors.ts";

interface NameRule {
  characters: string;
  reserved: Record<string, string>;
  problems: { characters: string; reserved: string; case: string };
  reason: string;
  fixes: { file: string; flag: string };
}

// One directory up from src/ and from dist/ alike.
const RULE = JSON.parse(readFileSync(new URL("../stub/datasette_lambda/contract/names.json", import.meta.url), "utf8")) as NameRule;

const WHOLE_NAME = new RegExp(`^[${RULE.characters}]+$`);
const OTHER_CHARACTER = new RegExp(`[^${RULE.characters}]`, "g");

/** Fills {field} placeholders. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, field: string) => values[field] ?? `{${field}}`);
}

/** "my data.csv" -> "my_data"; "sales.2026.db" -> "sales_2026". */
export function liveNameFromFile(path: string): string {
  const file = basename(path);
  const stem = basename(file, extname(file)) || file;
  return stem.replace(OTHER_CHARACTER, "_");
}

/** Same name for Datasette's purposes: equal ignoring case. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Why `name` cannot be a database name, or undefined when it can. `taken`:
 * names already served; one equal to `name` is the same database (it is
 * replaced), one that differs only in case is a collision.
 */
export function nameProblem(name: string, taken: Iterable<string> = []): string | undefined {
  if (!WHOLE_NAME.test(name)) return fill(RULE.problems.characters, { name: JSON.stringify(name) });
  const reserved = reservedProblem(name);
  if (reserved !== undefined) return reserved;
  for (const other of taken) {
    if (other !== name && sameName(other, name))
      return fill(RULE.problems.case, { name: JSON.stringify(name), other: JSON.stringify(other) });
  }
  return undefined;
}

/**
 * Why `name` is one Datasette keeps for itself, or undefined. The only part of
 * the rule for SQLite files update-stack deploys, which Datasette names after
 * the file as it is.
 */
export function reservedProblem(name: string): string | undefined {
  const reserved = Object.entries(RULE.reserved).find(([word]) => sameName(word, name));
  return reserved && fill(RULE.problems.reserved, { name: JSON.stringify(name), why: reserved[1] });
}

/** Where a name came from, for the error: a file it was made from, or a flag or argument. */
export type NameSource = { file: string } | { flag: string };

/** The one-line error every publisher gives for a name (the converter function writes the same line). */
export function nameError(source: NameSource, problem: string): string {
  const [what, fix] = "file" in source ? [source.file, RULE.fixes.file] : [source.flag, RULE.fixes.flag];
  return `${what}: ${fill(RULE.reason, { problem, fix })}`;
}

/** `name`, or a UserError saying why it cannot be one. */
export function validateLiveName(name: string, source: NameSource, taken: Iterable<string> = []): string {
  const problem = nameProblem(name, taken);
  if (problem !== undefined) throw new UserError(nameError(source, problem));
  return name;
}

/** Databases one command makes, `from` saying what each came from: no two may have the same name. */
export function checkDistinctNames(databases: { name: string; from: string }[], hint: string): void {
  const seen = new Map<string, { name: string; from: string }>();
  for (const db of databases) {
    const earlier = seen.get(db.name.toLowerCase());
    if (earlier !== undefined) {
      const clash =
        earlier.name === db.name
          ? `would both be served as the database "${db.name}"`
          : `would be served as the databases "${earlier.name}" and "${db.name}", whose names differ only in case`;
      throw new UserError(`${earlier.from} and ${db.from} ${clash}`, { hint });
    }
    seen.set(db.name.toLowerCase(), db);
  }
}
