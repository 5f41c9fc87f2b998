// The converter `push` uses until the data converter (CSV, JSON, ... on
// sqlite-utils) is wired in: SQLite databases pass through, checked as
// update-stack checks them (header, quick_check, no pending WAL); data files
// are refused with a clear message. Nothing is copied: the file is uploaded as is.
import { extname } from "node:path";
import { UserError } from "../errors.ts";
import type { ConvertDataFiles, ConvertedDatabase } from "../live/converter.ts";
import { liveNameFromFile, validateLiveName } from "../live/names.ts";
import { inspectDatabase } from "./databases.ts";

/** Inputs the data converter will take (stub/live-data.md). */
export const DATA_FILE_EXTENSIONS = [".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".yaml", ".yml", ".md", ".xlsx"];

function dataFileRefusal(file: string): UserError {
  return new UserError(`${file}: converting ${extname(file).toLowerCase()} files is not available in this version of datasette-lambda; push SQLite databases`, {
    hint: "Convert it to SQLite first, e.g. sqlite-utils insert data.db data data.csv --csv, then push data.db.",
  });
}

export const sqliteOnlyConverter: ConvertDataFiles = async (files, options) => {
  if (options.pk !== undefined) {
    throw new UserError("--pk sets the primary key of converted data files, and this version converts none", {
      hint: "Push SQLite databases without --pk (their tables keep their own keys).",
    });
  }
  if (options.into !== undefined && files.length > 1) {
    throw new UserError("--into puts several data files into one database; SQLite databases cannot be merged", {
      hint: "Push each database on its own, or drop --into.",
    });
  }
  const refused = files.find((file) => DATA_FILE_EXTENSIONS.includes(extname(file).toLowerCase()));
  if (refused !== undefined) throw dataFileRefusal(refused);

  const databases: ConvertedDatabase[] = [];
  for (const file of files) {
    const inspected = await inspectDatabase(file);
    const name = options.into !== undefined ? validateLiveName(options.into, "--into") : liveNameFromFile(inspected.path);
    databases.push({
      name,
      path: inspected.path,
      fileName: `${name}.db`,
      bytes: inspected.bytes,
      sha256: inspected.sha256,
      tables: inspected.tables,
      sources: [inspected.path],
    });
  }
  return databases;
};
