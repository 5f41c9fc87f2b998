// What `push` publishes from its FILES: SQLite databases pass through as they
// are (checked as update-stack checks them, uploaded unchanged), data files are
// converted by the same converter as update-stack and the converter function.
// Names follow the name rule (src/database-names.ts), from the file name or --into,
// checked before any file is read further.
import { basename } from "node:path";
import { UserError } from "../errors.ts";
import { inspectDatabase } from "../inputs/databases.ts";
import { splitInputs } from "../inputs/input-files.ts";
import { checkDistinctNames, liveNameFromFile, validateLiveName } from "../database-names.ts";
import { conversionGroups, convertDataFiles, type ConvertedDatabase, type ConvertOptions } from "./convert.ts";

/**
 * What push needs from a converter: files in (CSV, JSON, SQLite...), checked
 * SQLite databases out. A dependency of push, so tests can pass their own.
 * Throws a UserError naming the file (and, for data files, the line) on bad
 * input, before anything is uploaded.
 */
export type ConvertDataFiles = (files: string[], options: ConvertOptions) => Promise<ConvertedDatabase[]>;

/** --into and --pk shape converted data; SQLite databases are published whole. */
function checkPushOptions(databases: string[], dataFiles: string[], options: { into?: string; pk?: string }): void {
  if (options.into !== undefined && databases.length > 0 && (databases.length > 1 || dataFiles.length > 0)) {
    throw new UserError("--into puts data files into one database; an SQLite database cannot be merged with other files", {
      hint: "Push each SQLite database on its own (--into then renames it), or leave it out of this push.",
    });
  }
  if (options.pk !== undefined && dataFiles.length === 0) {
    throw new UserError("--pk sets the primary key of converted data files, and this push has none", {
      hint: "Push SQLite databases without --pk: their tables keep their own keys.",
    });
  }
}

export const pushFiles: ConvertDataFiles = async (files, options) => {
  const { databases, dataFiles } = await splitInputs(files);
  checkPushOptions(databases, dataFiles, options);
  const named = databases.map((file) =>
    options.into !== undefined
      ? { file, name: validateLiveName(options.into, { flag: "--into" }) }
      : { file, name: validateLiveName(liveNameFromFile(file), { file: basename(file) }) },
  );
  // Every name, the data files' too, before anything is inspected or converted.
  const groups = conversionGroups(dataFiles, options.into);
  checkDistinctNames(
    [...named.map(({ file, name }) => ({ name, from: file })), ...groups.map(({ name, files }) => ({ name, from: files.join(", ") }))],
    "Rename one of the files, or put data files into one database with --into NAME.",
  );
  const published: ConvertedDatabase[] = [];
  for (const { file, name } of named) {
    const inspected = await inspectDatabase(file);
    published.push({
      name,
      path: inspected.path,
      fileName: `${name}.db`,
      bytes: inspected.bytes,
      sha256: inspected.sha256,
      tables: inspected.tables,
      sources: [inspected.path],
    });
  }
  published.push(...(await convertDataFiles(dataFiles, options)));
  return published;
};
