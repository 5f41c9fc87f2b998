// What `push` needs from a converter: files in (CSV, JSON, SQLite...), SQLite
// databases out, checked, with their names per the live-data contract. The
// converter is a dependency of push, so tests can pass their own; the command
// uses src/inputs/push-files.ts.
import type { ConvertOptions, ConvertedDatabase } from "../artifacts/convert.ts";

export type { ConvertOptions, ConvertedDatabase };

/**
 * Converts and validates; throws a UserError naming the file (and, for data
 * files, the line) on bad input, before anything is uploaded.
 */
export type ConvertDataFiles = (files: string[], options: ConvertOptions) => Promise<ConvertedDatabase[]>;
