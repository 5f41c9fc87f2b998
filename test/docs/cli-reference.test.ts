// docs/cli.md must be what `npm run docs` makes of the commander program, and
// the renderer must keep the prose between its blocks.
import { Command, Option } from "commander";
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { endMarker, renderCliReference, startMarker } from "../../docs/cli-reference.ts";
import { buildProgram } from "../../src/cli.ts";

const page = readFileSync(new URL("../../docs/cli.md", import.meta.url), "utf8");

test("docs/cli.md matches the commander program (run `npm run docs` to regenerate it)", () => {
  const expected = renderCliReference(buildProgram(), page);
  ok(expected === page, "docs/cli.md is out of date with src/cli.ts: run `npm run docs` and commit the result");
});

test("docs/cli.md documents every command and every option of each", () => {
  const program = buildProgram();
  for (const command of program.commands) {
    ok(page.includes(startMarker(command.name())), `no block for ${command.name()}`);
    for (const option of command.options)
      ok(page.includes(`\`${option.flags}\``), `${command.name()} ${option.flags} is not in docs/cli.md`);
  }
});

function tinyProgram(withExtra: boolean): Command {
  const program = new Command("tool");
  const add = (name: string) =>
    program
      .command(name)
      .summary(`${name} things`)
      .description(`Do ${name}.`)
      .argument("<site>", "the site")
      .addOption(new Option("--region <region>", "shared option"))
      .addOption(new Option("--size <n>", "how big | how many").default("3"));
  add("build").addHelpText("after", "\nExamples:\n  $ tool build x");
  if (withExtra) add("extra");
  return program;
}

test("regenerating replaces the blocks and keeps the prose around them", () => {
  const stale = `# Tool\n\nIntro prose.\n\n## build\n\n${startMarker("build")}\nold table\n${endMarker("build")}\n\nHand-written notes.\n`;
  const page = renderCliReference(tinyProgram(false), stale);
  ok(page.startsWith("# Tool\n\nIntro prose.\n\n## build\n\n"));
  ok(page.includes("Hand-written notes."));
  ok(!page.includes("old table"));
  ok(page.includes("tool build [options] <site>"));
  ok(page.includes('| `--size <n>` | how big \\| how many (default: "3") |'), "pipes escaped, default shown");
  ok(page.includes("$ tool build x"), "examples from addHelpText");
  // The shared option goes to its own block, not into the command's table.
  const build = page.slice(page.indexOf(startMarker("build")), page.indexOf(endMarker("build")));
  ok(!build.includes("--region"));
  strictEqual(renderCliReference(tinyProgram(false), page), page, "regenerating is stable");
});

test("a new command gets a section appended; a block for a command that is gone is an error", () => {
  const before = renderCliReference(tinyProgram(false), "");
  const after = renderCliReference(tinyProgram(true), before);
  ok(after.trimEnd().endsWith(endMarker("extra")), "appended at the end");
  ok(after.includes(`## extra\n\n${startMarker("extra")}`));
  throws(() => renderCliReference(tinyProgram(false), after), /generated block "extra" that tool no longer has/);
});

test("the commands table lists each command's summary", () => {
  const page = renderCliReference(tinyProgram(true), "");
  const rows = page.split("\n").filter((line) => line.startsWith("| [`"));
  deepStrictEqual(rows, ["| [`build`](#build) | build things |", "| [`extra`](#extra) | extra things |"]);
});
