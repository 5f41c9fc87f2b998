// The shape of src/: which rooms (a folder of src/, or a file at its top) may
// import which. Every import points down this list or stays in its own room;
// nothing imports a room above it, so no two rooms import each other, and no
// two files import each other in a circle. Bottom first:
//
//   errors.ts          the error classes, printed in one place (cli.ts)
//   util/              generic helpers every layer uses: sleep, sha256, plural, redact
//   shared-options.ts  the options every subcommand takes (and their type)
//   templates.ts       the CloudFormation templates, read and parsed
//   database-names.ts  the name rule of the databases a site serves (names.json, shared with the runtime)
//   plan/              options -> DeployPlan: pure decisions, no I/O
//   live/              the live-data contract (manifest, deployed record, site
//                      status) and push's wait for the site
//   logs/              CloudWatch log lines: window, parsing, formatting
//   inputs/            reading what the user gave: databases, data files, metadata, wheels
//   aws/               AWS calls: stacks, events, buckets, uploads, leases, clean-up
//   ui/                what the user sees: output, progress, listing, prompts
//   artifacts/         what a deploy or push uploads: package, layer, converted databases
//   deploy/            update-stack's AWS side: certificate, stacks, uploads, clean-up
//   commands/          one module per subcommand: wires the rest, renders results
//   multi-value-options.ts  argv preparation for cli.ts
//   cli.ts             the program: parses argv, runs a command, prints errors
//
// A new folder or top-level file must be placed in LAYERS below: the test
// names it until it is. Imports are read from the source text (static, type
// and dynamic imports alike: a type import ties two modules as much as a value).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Bottom first: a room may import only from itself and the rooms before it. */
const LAYERS = [
  "errors.ts",
  "util",
  "shared-options.ts",
  "templates.ts",
  "database-names.ts",
  "plan",
  "live",
  "logs",
  "inputs",
  "aws",
  "ui",
  "artifacts",
  "deploy",
  "commands",
  "multi-value-options.ts",
  "cli.ts",
];

/** Every .ts file under src/, as a path relative to src/ with "/" separators. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(SRC, path).split(sep).join("/")] : [];
  });
}

// `from "./x.ts"`, `import "./x.ts"`, `import("./x.ts")`: relative specifiers only (packages are not rooms).
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** file -> the files it imports (relative to src/). */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), "utf8");
    const targets = [...text.matchAll(IMPORT)].map((match) => join(dirname(file), match[1]!).split(sep).join("/"));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The room of a file: its top folder under src/, or the file itself at the top. */
function roomOf(file: string): string {
  const slash = file.indexOf("/");
  return slash < 0 ? file : file.slice(0, slash);
}

/** One cycle of `graph` as [a, b, ..., a], or undefined when there is none (depth-first search). */
function findCycle(graph: Map<string, Iterable<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The room graph, each edge with one import that makes it (for the message). */
function roomGraph(graph: Map<string, string[]>): { edges: Map<string, Set<string>>; because: Map<string, string> } {
  const edges = new Map<string, Set<string>>();
  const because = new Map<string, string>();
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of targets) {
      const to = roomOf(target);
      if (to === from) continue;
      edges.get(from)!.add(to);
      if (!because.has(`${from} -> ${to}`)) because.set(`${from} -> ${to}`, `${file} imports ${target}`);
    }
  }
  return { edges, because };
}

const files = sourceFiles();
const graph = importGraph(files);

test("the walk finds cycles, and only cycles", () => {
  assert.deepEqual(
    findCycle(
      new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a"]],
      ]),
    ),
    ["a", "b", "c", "a"],
  );
  assert.deepEqual(findCycle(new Map([["a", ["a"]]])), ["a", "a"]);
  assert.equal(
    findCycle(
      new Map([
        ["a", ["b", "c"]],
        ["b", ["c"]],
        ["c", []],
      ]),
    ),
    undefined,
  );
  // The import pattern sees every form of relative import, and nothing else.
  const text = [
    'import a from "./a.ts";',
    'import type { B } from "../b/b.ts";',
    'import "./c.ts";',
    'const d = await import("./d.ts");',
    'export { e } from "./e.ts";',
    'import f from "yaml";',
    'import g from "node:fs";',
  ].join("\n");
  assert.deepEqual(
    [...text.matchAll(IMPORT)].map((m) => m[1]),
    ["./a.ts", "../b/b.ts", "./c.ts", "./d.ts", "./e.ts"],
  );
});

test("src/ has files and every import names a file that exists", () => {
  assert.ok(files.length > 50, `found only ${files.length} files under ${SRC}`);
  for (const [file, targets] of graph) {
    for (const target of targets) assert.ok(files.includes(target), `${file} imports ${target}, which is not a file under src/`);
  }
});

test("no two files of src/ import each other, directly or in a circle", () => {
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
});

test("no two rooms of src/ import each other, directly or in a circle", () => {
  const { edges, because } = roomGraph(graph);
  const cycle = findCycle(edges);
  const steps = cycle?.slice(1).map((to, i) => `  ${because.get(`${cycle[i]} -> ${to}`)}`);
  assert.equal(cycle, undefined, `rooms in a cycle: ${cycle?.join(" -> ")}\n${steps?.join("\n")}`);
});

test("every room is in LAYERS, and imports only from its own room or those below it", () => {
  const rooms = new Set(files.map(roomOf));
  for (const room of rooms)
    assert.ok(LAYERS.includes(room), `src/${room} is not in LAYERS (test/architecture.test.ts): place it in the layering`);
  for (const room of LAYERS) assert.ok(rooms.has(room), `LAYERS names ${room}, which is not in src/ any more`);
  for (const [file, targets] of graph) {
    const from = LAYERS.indexOf(roomOf(file));
    for (const target of targets) {
      const to = LAYERS.indexOf(roomOf(target));
      assert.ok(to <= from, `${file} imports ${target}: ${roomOf(target)} sits above ${roomOf(file)} in LAYERS`);
    }
  }
});
