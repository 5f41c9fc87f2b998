// The code stays as Biome formats and lints it (biome.json), and no line of a
// tracked .ts, .js or .mjs file is wider than biome.json's lineWidth: Biome
// leaves long strings and comments as they are, so those are split by hand.
// `npm run lint` runs this file alone; `npm run format` fixes the formatting.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

interface BiomeConfig {
  formatter?: { lineWidth?: number };
  javascript?: { formatter?: { lineWidth?: number } };
}

/** The width Biome formats JavaScript and TypeScript to (80, its default, when biome.json names none). */
function lineWidth(): number {
  const config = JSON.parse(readFileSync(join(root, "biome.json"), "utf8")) as BiomeConfig;
  return config.javascript?.formatter?.lineWidth ?? config.formatter?.lineWidth ?? 80;
}

test("biome check: formatted as biome.json says, and no lint findings", () => {
  const biome = join(root, "node_modules", ".bin", "biome");
  const result = spawnSync(biome, ["check", "--colors=off", "."], { cwd: root, encoding: "utf8" });
  assert.equal(result.error, undefined, `could not run ${biome}: ${result.error?.message}`);
  assert.equal(result.status, 0, `npx biome check . failed (npm run format fixes the formatting):\n${result.stdout}${result.stderr}`);
});

test("no line of a tracked .ts, .js or .mjs file is wider than biome.json's lineWidth", () => {
  const width = lineWidth();
  const files = execFileSync("git", ["ls-files", "-z", "--", "*.ts", "*.js", "*.mjs"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(root, file)));
  assert.ok(files.includes("src/cli.ts"), `git ls-files listed no src/cli.ts in ${root}`);
  const long: string[] = [];
  for (const file of files) {
    readFileSync(join(root, file), "utf8")
      .split(/\r?\n/)
      .forEach((line, i) => {
        const characters = [...line].length;
        if (characters > width) long.push(`${file}:${i + 1} (${characters} characters)`);
      });
  }
  assert.deepEqual(long, [], `lines over ${width} characters (split long strings and comments by hand):\n${long.join("\n")}`);
});
