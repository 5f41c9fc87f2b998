// Reads a Datasette metadata file (JSON or YAML) into an object.
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { UserError } from "../errors.ts";

/** Parses metadata text; JSON for .json, YAML (a superset) otherwise. Pure. */
export function parseMetadata(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = extname(file).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const detail = (error as Error).message.split("\n")[0];
    throw new UserError(`--metadata ${file}: not valid ${extname(file).toLowerCase() === ".json" ? "JSON" : "YAML"} (${detail})`, {
      hint: 'Fix the syntax; Datasette metadata is a JSON or YAML object, e.g. {"title": "My data"}',
      cause: error,
    });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(`--metadata ${file}: must hold an object at the top level`, {
      hint: 'e.g. {"title": "My data", "databases": {...}}',
    });
  }
  return value as Record<string, unknown>;
}

export async function readMetadata(file: string | undefined): Promise<Record<string, unknown>> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`--metadata ${file}: cannot be read (${code === "ENOENT" ? "no such file" : code})`, {
      hint: "Pass the path of a JSON or YAML metadata file.",
    });
  }
  return parseMetadata(text, file);
}
