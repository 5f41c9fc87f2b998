import assert from "node:assert/strict";
import { test } from "node:test";
import { Option } from "commander";
import { buildProgram } from "../src/cli.ts";
import { SHARED_OPTIONS } from "../src/shared-options.ts";

test("each shared option's key is commander's attribute name for its flags (the type is derived from the keys)", () => {
  for (const [key, definition] of Object.entries(SHARED_OPTIONS)) {
    const option = new Option(definition.flags, definition.description);
    assert.equal(option.attributeName(), key);
    assert.equal(option.required, definition.kind === "string", `${definition.flags} takes a value exactly when its kind is string`);
  }
});

test("--yes only on the commands that ask first; every command has the shared options", () => {
  const program = buildProgram();
  const withYes = program.commands
    .filter((command) => command.options.some((option) => option.long === "--yes"))
    .map((command) => command.name());
  assert.deepEqual(withYes.sort(), ["delete-stack", "rm"]);
  for (const command of program.commands) {
    const longs = command.options.map((option) => option.long);
    for (const definition of Object.values(SHARED_OPTIONS))
      assert.ok(
        longs.includes(definition.flags.split(/[ ,]+/).find((flag) => flag.startsWith("--"))),
        `${command.name()} ${definition.flags}`,
      );
  }
});

test("a command that never asks refuses --yes instead of ignoring it", async () => {
  for (const args of [
    ["push", "site", "a.db", "--yes"],
    ["ls", "site", "--yes"],
    ["update-stack", "site", "a.db", "--yes"],
    ["tail-logs", "site", "-y"],
  ]) {
    const program = buildProgram()
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    await assert.rejects(
      program.parseAsync(["node", "cli", ...args]),
      (error: { code?: string }) => error.code === "commander.unknownOption",
      args.join(" "),
    );
  }
});
