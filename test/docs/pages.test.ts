// The README stays a five-minute read that keeps its two set-up commands, and
// every relative link in the docs reaches a file and, with #anchor, a heading.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { headingAnchors, linkTargets, slug } from "../_helpers/markdown.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

const SETUP_DRY_RUN =
  "source .ci/setup.sh && npm run sample && " +
  "./bin/datasette-lambda.js update-stack mysite sample.db --cors --prefix x --dry-run --out build";
const SETUP_TESTS = "source .ci/setup.sh && npm test";

test("the README is at most 200 lines", () => {
  const lines = readme.split("\n").length - (readme.endsWith("\n") ? 1 : 0);
  ok(lines <= 200, `README.md has ${lines} lines; move detail into docs/`);
});

test("the README keeps both set-up commands, each on a line of its own", () => {
  const lines = readme.split("\n").map((line) => line.trim());
  ok(lines.includes(SETUP_DRY_RUN), "the dry-run set-up command is missing or changed");
  ok(lines.includes(SETUP_TESTS), "the `npm test` set-up command is missing or changed");
});

test("the README starts with what the tool is and a first deploy, set-up for contributors after", () => {
  const at = (heading: string) => readme.indexOf(`\n## ${heading}\n`);
  ok(at("A first deploy") > 0 && at("Set up on a fresh machine") > at("A first deploy"));
});

/** README.md, docs/*.md and stub/README.md: the pages this project writes for readers. */
function pages(): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(root, "docs", name));
  return [join(root, "README.md"), join(root, "stub", "README.md"), ...docs];
}

test("every relative link in the docs reaches a file, and every #anchor a heading", () => {
  const broken: string[] = [];
  for (const page of pages()) {
    const text = readFileSync(page, "utf8");
    for (const target of linkTargets(text)) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? page : resolve(dirname(page), decodeURIComponent(path));
      const where = `${relative(root, page)}: ${target}`;
      if (!existsSync(file)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(file).isDirectory() || !file.endsWith(".md")) {
        broken.push(`${where} (an anchor into something that is not a Markdown page)`);
      } else if (!headingAnchors(readFileSync(file, "utf8")).has(anchor)) {
        broken.push(`${where} (no such heading)`);
      }
    }
  }
  deepStrictEqual(broken, []);
});

test("the docs point at no path that has moved", () => {
  const moved = { [["stub", "live-data.md"].join("/")]: "docs/live-data.md" };
  for (const page of pages()) {
    const text = readFileSync(page, "utf8");
    for (const [old, now] of Object.entries(moved)) ok(!text.includes(old), `${relative(root, page)} names ${old}, now ${now}`);
  }
});

test("anchors are made as GitHub makes them", () => {
  strictEqual(slug("POST requests and `--no-cdn`"), "post-requests-and---no-cdn");
  strictEqual(slug("Secrets (`--secret`, `--plugin-secret`)"), "secrets---secret---plugin-secret");
  strictEqual(slug("GET /-/datasette-lambda.json"), "get--datasette-lambdajson");
  deepStrictEqual([...headingAnchors("# A\n## A\n```\n# not a heading\n```\n### B_c\n")], ["a", "a-1", "b_c"]);
  deepStrictEqual(linkTargets("[x](a.md#b) `[y](not-a-link.md)` [z](https://e.com)"), ["a.md#b", "https://e.com"]);
});
