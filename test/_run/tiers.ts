// The test tiers (npm run test:unit, test:stub, test:e2e; npm test runs them in
// this order, so the quick ones fail first): which test files each runs and how
// many at once. Every test file is in exactly one tier: unit is everything the
// others do not claim.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export type TierName = "unit" | "stub" | "e2e";

export interface Tier {
  name: TierName;
  /** What it holds, for --help and the docs. */
  description: string;
  /** Test files (relative to the repository root) the tier claims: a directory claims those under it. */
  claims: string[];
  /** node --test's --test-concurrency: test files run at once (started in path order, so a long one is best named early). */
  concurrency: number;
}

export const TIERS: Tier[] = [
  {
    name: "unit",
    description: "typecheck (tsc), lint (Biome, ruff, mypy), the CLI's tests: pure, against aws-sdk-client-mock and fakes, dry runs",
    claims: [],
    // Light files, many of them waiting on a CLI process or Python: more than the 2 cores keeps both busy.
    concurrency: 4,
  },
  {
    name: "stub",
    description: "the Python: stub/tests once with the venv's Datasette, the built packages' checks, plugin/tests (pytest, per test)",
    claims: ["test/stub/", "test/plugin/"],
    // Each file is one or two Python processes at a time, mostly on the CPU.
    concurrency: 2,
  },
  {
    name: "e2e",
    description: "the real CLI against a local moto server, and the packed npm tarball installed and run",
    claims: ["test/e2e/", "test/release/packed-cli.test.ts"],
    concurrency: 2,
  },
];

/** Every test file under test/, relative to root, sorted. */
export function testFiles(root: string): string[] {
  return (readdirSync(join(root, "test"), { recursive: true }) as string[])
    .filter((path) => path.endsWith(".test.ts"))
    .map((path) => join("test", path).split("\\").join("/"))
    .sort();
}

function claimedBy(tier: Tier, file: string): boolean {
  return tier.claims.some((claim) => (claim.endsWith("/") ? file.startsWith(claim) : file === claim));
}

/** The tier's test files among files. */
export function tierFiles(tier: Tier, files: string[]): string[] {
  if (tier.name !== "unit") return files.filter((file) => claimedBy(tier, file));
  return files.filter((file) => !TIERS.some((other) => claimedBy(other, file)));
}

/**
 * run.ts's arguments: tier names, and options for node --test. An option is an argument that starts with "-" (npm run
 * test:unit -- --test-name-pattern=plan hands it over without npm's "--", so its value goes after "="), or anything
 * after a "--".
 */
export function splitArgs(args: string[]): { names: string[]; nodeOptions: string[] } {
  const dash = args.indexOf("--");
  const before = dash === -1 ? args : args.slice(0, dash);
  return {
    names: before.filter((arg) => !arg.startsWith("-")),
    nodeOptions: [...before.filter((arg) => arg.startsWith("-")), ...(dash === -1 ? [] : args.slice(dash + 1))],
  };
}
