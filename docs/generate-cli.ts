// `npm run docs`: regenerates the reference blocks of docs/cli.md from the
// commander program (src/cli.ts). The prose between the blocks is left alone.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli.ts";
import { renderCliReference } from "./cli-reference.ts";

const page = fileURLToPath(new URL("./cli.md", import.meta.url));
const current = existsSync(page) ? readFileSync(page, "utf8") : "";
const next = renderCliReference(buildProgram(), current);
if (next === current) {
  process.stdout.write("docs/cli.md is up to date.\n");
} else {
  writeFileSync(page, next);
  process.stdout.write("docs/cli.md regenerated.\n");
}
