// The written contract between the CLI and the runtime
// (stub/datasette_lambda/contract/): its JSON Schemas, compiled with ajv
// (draft 2020-12), and its golden examples. stub/tests/test_contract.py reads
// the same files with jsonschema.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

export const CONTRACT_DIR = fileURLToPath(new URL("../../stub/datasette_lambda/contract/", import.meta.url));
export const SCHEMAS_DIR = join(CONTRACT_DIR, "schemas");
export const EXAMPLES_DIR = join(SCHEMAS_DIR, "examples");

export type Document = "live-manifest" | "deployed-record" | "site-status" | "conversion-result";
export const DOCUMENTS: Document[] = ["live-manifest", "deployed-record", "site-status", "conversion-result"];

export function readSchema(document: Document): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMAS_DIR, `${document}.schema.json`), "utf8")) as Record<string, unknown>;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const document of DOCUMENTS) ajv.addSchema(readSchema(document));

/** The validator of a document's schema, or of one of its $defs ("database"). */
export function validator(document: Document, definition?: string): ValidateFunction {
  const id = `urn:datasette-lambda:${document}${definition ? `#/$defs/${definition}` : ""}`;
  const validate = ajv.getSchema(id);
  if (!validate) throw new Error(`no schema ${id}`);
  return validate;
}

/** Whether `text` is JSON that the schema accepts; the errors when not. */
export function schemaErrors(document: Document, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const validate = validator(document);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export interface Example {
  file: string;
  /** valid-*: the schema accepts it; invalid-*: it does not. */
  valid: boolean;
  text: string;
}

export function examples(document: Document): Example[] {
  const directory = join(EXAMPLES_DIR, document);
  return readdirSync(directory)
    .filter((file) => /^(valid|invalid)-.+\.json$/.test(file))
    .sort()
    .map((file) => ({ file, valid: file.startsWith("valid-"), text: readFileSync(join(directory, file), "utf8") }));
}

export function readExample<T>(path: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, path), "utf8")) as T;
}
