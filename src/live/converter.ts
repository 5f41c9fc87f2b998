// What `push` needs from a converter: files in (CSV, JSON, SQLite...), SQLite
// databases out, checked, with their names per the live-data contract. The
// converter is a dependency of push, so the command does not care which one
// it is; see src/inputs/sqlite-only-converter.ts for the one wired today.

export interface ConvertedDatabase {
  /** The database's name on the site: [A-Za-z0-9_-]+. */
  name: string;
  /** The SQLite file to upload. */
  path: string;
  fileName: string;
  bytes: number;
  sha256: string;
  tables: Record<string, { count: number }>;
  /** The input files it was made from. */
  sources: string[];
}

export interface ConvertOptions {
  /** One database named this, holding every input (--into). */
  into?: string;
  /** Primary key column for data files (--pk). */
  pk?: string;
  /** Where converted databases are written; removed by the caller afterwards. */
  workDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Converts and validates; throws a UserError naming the file (and, for data
 * files, the line) on bad input, before anything is uploaded.
 */
export type ConvertDataFiles = (files: string[], options: ConvertOptions) => Promise<ConvertedDatabase[]>;
