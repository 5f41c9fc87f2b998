// Renders docs/cli.md's reference blocks from the commander program, so the
// page cannot drift from --help. Pure: the program and the page's current text
// in, the new text out. Only what sits between a pair of markers is generated;
// the prose around the blocks is hand-written and kept as it is.
import type { Help, Command, Option } from "commander";

/** The commands table, and the options every command shares, have blocks of their own. */
export const COMMANDS_BLOCK = "commands";
export const SHARED_BLOCK = "shared-options";

export function startMarker(id: string): string {
  return `<!-- generated:${id} (npm run docs) -->`;
}

export function endMarker(id: string): string {
  return `<!-- /generated:${id} -->`;
}

const BLOCK = /<!-- generated:([\w-]+) \(npm run docs\) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** Text for a table cell: no raw pipes, angle brackets or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, " ");
}

function optionRows(help: Help, options: readonly Option[]): string[] {
  return [
    "| option | description |",
    "| --- | --- |",
    ...options.map((o) => `| \`${help.optionTerm(o)}\` | ${cell(help.optionDescription(o))} |`),
  ];
}

/** What `addHelpText("after", ...)` prints under --help (the examples): the help, less its built-in part. */
function afterHelpText(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (chunk) => (text += chunk) });
  command.outputHelp();
  return text.slice(command.helpInformation().length).trim();
}

function commandBlock(command: Command, shared: Set<string>): string {
  const help = command.createHelp();
  const lines = ["```text", help.commandUsage(command), "```", ""];
  lines.push(help.commandDescription(command), "");
  const args = help.visibleArguments(command);
  if (args.length > 0) {
    lines.push("| argument | description |", "| --- | --- |");
    for (const a of args) lines.push(`| \`${help.argumentTerm(a)}\` | ${cell(help.argumentDescription(a))} |`);
    lines.push("");
  }
  const own = help.visibleOptions(command).filter((o) => !shared.has(o.flags));
  if (own.length > 0) lines.push(...optionRows(help, own), "");
  lines.push(`and [the options every command takes](#options-every-command-takes).`);
  const after = afterHelpText(command);
  if (after) lines.push("", "```text", after, "```");
  return lines.join("\n");
}

/** Shared options: those every subcommand has (plus --help). */
function sharedFlags(commands: readonly Command[]): Set<string> {
  const [first, ...rest] = commands;
  if (!first) return new Set();
  const flagsOf = (c: Command) =>
    new Set(
      c
        .createHelp()
        .visibleOptions(c)
        .map((o) => o.flags),
    );
  const shared = flagsOf(first);
  for (const c of rest) {
    const theirs = flagsOf(c);
    for (const flags of shared) if (!theirs.has(flags)) shared.delete(flags);
  }
  return shared;
}

/** Every block the page must have, by id, in page order. */
export function renderBlocks(program: Command): Map<string, string> {
  const commands = program.commands;
  const shared = sharedFlags(commands);
  const blocks = new Map<string, string>();
  const summary = ["| command | what it does |", "| --- | --- |"];
  for (const c of commands) summary.push(`| [\`${c.name()}\`](#${c.name()}) | ${cell(c.summary() || c.description())} |`);
  blocks.set(COMMANDS_BLOCK, summary.join("\n"));
  const first = commands[0];
  if (first) {
    const help = first.createHelp();
    const sharedOptions = help.visibleOptions(first).filter((o) => shared.has(o.flags));
    blocks.set(SHARED_BLOCK, optionRows(help, sharedOptions).join("\n"));
  }
  for (const c of commands) blocks.set(c.name(), commandBlock(c, shared));
  return blocks;
}

function wrap(id: string, body: string): string {
  return `${startMarker(id)}\n${body}\n${endMarker(id)}`;
}

/**
 * The page with every block regenerated. A command without a block yet gets a
 * section appended at the end (write its prose there); a block for something
 * the program no longer has is an error, since its prose needs a decision.
 */
export function renderCliReference(program: Command, current: string): string {
  const blocks = renderBlocks(program);
  const seen = new Set<string>();
  let page = current.replace(BLOCK, (_whole, id: string) => {
    const body = blocks.get(id);
    if (body === undefined) {
      throw new Error(
        `docs/cli.md has a generated block "${id}" that ${program.name()} no longer has: delete that section (or its markers)`,
      );
    }
    seen.add(id);
    return wrap(id, body);
  });
  if (page.trim() === "") page = `# ${program.name()} command-line reference\n`;
  for (const [id, body] of blocks) {
    if (seen.has(id)) continue;
    const heading = id === COMMANDS_BLOCK ? "## Commands" : id === SHARED_BLOCK ? "## Options every command takes" : `## ${id}`;
    page = `${page.trimEnd()}\n\n${heading}\n\n${wrap(id, body)}\n`;
  }
  return page;
}
