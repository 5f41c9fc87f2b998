#!/usr/bin/env node
// Launcher. The published package runs the compiled dist/; a git checkout
// (after `npm ci`) runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`Error: datasette-lambda needs Node.js 22.13 or newer; this is ${process.version}.\n`);
  process.exit(1);
}

const compiled = new URL("../dist/cli.js", import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(new URL("../src/cli.ts", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv);
