// Names of live databases (docs/live-data.md): [A-Za-z0-9_-]+, derived from
// the file name without its extension, any other character replaced by "_".
// The same rule in stub/datasette_lambda/convert/publish.py (the converter function).
import { basename, extname } from "node:path";
import { UserError } from "../errors.ts";

export const LIVE_NAME = /^[A-Za-z0-9_-]+$/;

/** "my data.csv" -> "my_data"; "sales.2026.db" -> "sales_2026". */
export function liveNameFromFile(path: string): string {
  const file = basename(path);
  const stem = basename(file, extname(file)) || file;
  return stem.replace(/[^A-Za-z0-9_-]/g, "_");
}

export function isLiveName(name: string): boolean {
  return LIVE_NAME.test(name);
}

/** `what` names where the name came from in the error: "--into", "DB". */
export function validateLiveName(name: string, what: string): string {
  if (!isLiveName(name)) {
    throw new UserError(`${what} "${name}" is not a database name: use letters, digits, _ and -`, {
      hint: `e.g. ${name.replace(/[^A-Za-z0-9_-]/g, "_") || "sales"}`,
    });
  }
  return name;
}
