#!/usr/bin/env node
// Launcher. A git checkout (after `npm ci`) runs the TypeScript sources: with
// Node's own type stripping where it is on by default (22.18, 23.6 and newer),
// else through tsx, whose loader costs a third of a second a run; the published
// package, which ships dist/ and no src/, runs the compiled JavaScript (Node
// refuses to strip types under node_modules).
import { existsSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`Error: datasette-lambda needs Node.js 22.13 or newer; this is ${process.version}.\n`);
  process.exit(1);
}

const source = new URL("../src/cli.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  if (!process.features.typescript) {
    const { register } = await import("tsx/esm/api");
    register();
  }
  cli = await import(source.href);
} else {
  cli = await import(new URL("../dist/cli.js", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv);
