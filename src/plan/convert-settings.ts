// How data files are converted, kept with the site: --fts and --encoding of
// update-stack become the app stack's ConvertSettings parameter, the converter
// function's DATASETTE_LAMBDA_CONVERT_SETTINGS, so files put into incoming/ and
// scheduled imports are converted as the site's own were; push reads it back.
// The JSON is the contract of stub/datasette_lambda/contract/convert_settings.py
// (golden examples: contract/schemas/convert-settings.examples.json). Pure.
import { UserError } from "../errors.ts";

export interface ConvertSettings {
  /** Columns made searchable (FTS5) in every converted table that has them. */
  fts: string[];
  /** The text files' encoding (a Python codec name), or null: UTF-8, or a BOM's. */
  encoding: string | null;
}

export const NO_CONVERT_SETTINGS: ConvertSettings = { fts: [], encoding: null };

/** --fts COLUMN, repeatable: names, each once (SQLite ignores case), in the order given. */
export function validateFts(columns: string[] | undefined, flag = "--fts"): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const column of columns ?? []) {
    if (column.trim() === "") throw new UserError(`${flag} needs a column name`, { hint: `e.g. ${flag} title --fts body` });
    if (seen.has(column.toLowerCase())) continue;
    seen.add(column.toLowerCase());
    kept.push(column);
  }
  return kept;
}

/** The stack parameter's value: stable, and "{}" with no setting. */
export function convertSettingsParameter(settings: ConvertSettings): string {
  return JSON.stringify({
    ...(settings.fts.length > 0 ? { fts: settings.fts } : {}),
    ...(settings.encoding !== null ? { encoding: settings.encoding } : {}),
  });
}

/** The settings a ConvertSettings parameter holds (absent: none); a value no datasette-lambda writes is an error. */
export function parseConvertSettings(text: string | undefined): ConvertSettings {
  if (!text) return NO_CONVERT_SETTINGS;
  const bad = (why: string) =>
    new UserError(`the site's ConvertSettings parameter is not what update-stack writes: ${why}`, {
      hint: "Deploy the site again with update-stack (and --fts/--encoding as you want them).",
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("not a JSON object");
  const { fts = [], encoding = null } = raw as { fts?: unknown; encoding?: unknown };
  if (!Array.isArray(fts) || !fts.every((c) => typeof c === "string" && c.trim() !== "")) throw bad("fts is not a list of column names");
  if (encoding !== null && (typeof encoding !== "string" || encoding.trim() === "")) throw bad("encoding is not a name");
  return { fts: fts as string[], encoding: encoding as string | null };
}
