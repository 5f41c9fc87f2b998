// The test tiers (test/_run/tiers.ts): each claim still names something (a moved
// file would fall silently into unit), every test file runs in exactly one tier,
// and package.json has a script per tier, npm test running them all.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { splitArgs, TIERS, testFiles, tierFiles } from "./_run/tiers.ts";
import { REPO_ROOT } from "./_helpers/cli.ts";

const files = testFiles(REPO_ROOT);

test("every claim names a test file or a directory of them", () => {
  for (const tier of TIERS) {
    for (const claim of tier.claims) {
      assert.ok(existsSync(join(REPO_ROOT, claim)), `${tier.name} claims ${claim}, which does not exist`);
      assert.ok(
        tierFiles(tier, files).some((file) => file.startsWith(claim)),
        `${tier.name}'s ${claim} holds no test file`,
      );
    }
  }
});

test("every test file is in exactly one tier, this one in unit", () => {
  const counted = new Map(files.map((file) => [file, 0]));
  for (const tier of TIERS) for (const file of tierFiles(tier, files)) counted.set(file, (counted.get(file) ?? 0) + 1);
  assert.deepEqual(
    [...counted].filter(([, count]) => count !== 1),
    [],
  );
  assert.ok(files.includes("test/tiers.test.ts"));
  assert.ok(tierFiles(TIERS.find((tier) => tier.name === "unit")!, files).includes("test/tiers.test.ts"));
});

test("package.json: test:TIER runs that tier, npm test all of them in order", () => {
  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  for (const tier of TIERS) assert.equal(scripts[`test:${tier.name}`], `node --import tsx test/_run/run.ts ${tier.name}`);
  assert.equal(scripts.test, "node --import tsx test/_run/run.ts");
  assert.deepEqual(
    TIERS.map((tier) => tier.name),
    ["unit", "stub", "e2e"],
    "quickest first",
  );
});

test("run.ts's arguments: tier names, and node --test's options with or without a '--' before them", () => {
  // npm run test:unit -- --test-name-pattern=plan: npm drops its "--".
  assert.deepEqual(splitArgs(["unit", "--test-name-pattern=plan"]), { names: ["unit"], nodeOptions: ["--test-name-pattern=plan"] });
  assert.deepEqual(splitArgs(["unit", "e2e", "--", "--test-only", "x"]), { names: ["unit", "e2e"], nodeOptions: ["--test-only", "x"] });
  assert.deepEqual(splitArgs(["stub", "--test-reporter=tap", "--", "--test-timeout=5"]), {
    names: ["stub"],
    nodeOptions: ["--test-reporter=tap", "--test-timeout=5"],
  });
  assert.deepEqual(splitArgs([]), { names: [], nodeOptions: [] });
});
