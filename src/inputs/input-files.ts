// Which of update-stack's FILES are databases and which are data files to
// convert: SQLite by its header whatever the name, else by the extension.
// The decisions are pure; reading the first bytes is the one side effect.
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { UserError } from "../errors.ts";

export const DATABASE_EXTENSIONS = [".db", ".sqlite", ".sqlite3"];
/** What the converter (stub/datasette_lambda/convert/) reads (docs/live-data.md). */
export const DATA_EXTENSIONS = [".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".yaml", ".yml", ".md", ".xlsx"];
export const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

export type InputKind = "database" | "data";

/**
 * A file with SQLite's header is a database whatever its name; otherwise the
 * extension decides (a .db that is not SQLite stays a "database", so its
 * check says so). Null: neither.
 */
export function inputKind(fileName: string, header: Buffer): InputKind | null {
  if (header.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) return "database";
  const extension = extname(fileName).toLowerCase();
  if (DATA_EXTENSIONS.includes(extension)) return "data";
  if (DATABASE_EXTENSIONS.includes(extension)) return "database";
  return null;
}

/** The first bytes of a file, or fewer when it is shorter; undefined when it cannot be read. */
export async function readHeader(path: string, bytes = SQLITE_HEADER.length): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, "r");
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

export interface SplitInputs {
  databases: string[];
  dataFiles: string[];
}

/**
 * Sorts FILES into databases and data files, keeping their order. A file that
 * cannot be read is left to the database check, which names the problem.
 */
export async function splitInputs(files: string[]): Promise<SplitInputs> {
  const split: SplitInputs = { databases: [], dataFiles: [] };
  for (const file of files) {
    const header = await readHeader(file);
    if (header === undefined) {
      split.databases.push(file);
      continue;
    }
    const kind = inputKind(file, header);
    if (kind === null) {
      throw new UserError(`${file}: neither an SQLite database nor a data file the converter reads`, {
        hint:
          `Pass SQLite databases (${DATABASE_EXTENSIONS.join(", ")}, or any file with SQLite's header) ` +
          `or data files (${DATA_EXTENSIONS.join(", ")}).`,
      });
    }
    split[kind === "database" ? "databases" : "dataFiles"].push(file);
  }
  return split;
}
