// Runs test tiers (test/_run/tiers.ts) one after the other, stopping at the
// first that fails: node --import tsx test/_run/run.ts [unit] [stub] [e2e] [node --test options] [-- node --test options].
// The unit tier typechecks first. Prints each tier's wall time at the end.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TYPESCRIPT_ARGS } from "../_helpers/cli.ts";
import { splitArgs, TIERS, testFiles, tierFiles } from "./tiers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { names, nodeOptions } = splitArgs(process.argv.slice(2));
const unknown = names.filter((name) => !TIERS.some((tier) => tier.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `Error: no tier ${unknown.join(", ")}; the tiers are ${TIERS.map((tier) => tier.name).join(", ")} (an option's value goes after "=")\n`,
  );
  process.exit(2);
}

// Node keeps the V8 code of the modules it loads here, for every process the tests start (each CLI run loads
// the AWS SDK): a tenth less CPU a run. Node checks each entry against the module's source.
const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(root, ".cache", "node-compile-cache") };

function step(label: string, command: string, args: string[]): boolean {
  process.stderr.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (result.error) process.stderr.write(`${result.error.message}\n`);
  return result.status === 0;
}

const timings: string[] = [];
let failed: string | undefined;
const files = testFiles(root);
for (const tier of TIERS.filter((tier) => names.length === 0 || names.includes(tier.name))) {
  const started = Date.now();
  const ok =
    (tier.name !== "unit" || step("typecheck: tsc --noEmit", join(root, "node_modules", ".bin", "tsc"), ["--noEmit"])) &&
    step(`${tier.name}: ${tier.description}`, process.execPath, [
      "--test",
      `--test-concurrency=${tier.concurrency}`,
      ...TYPESCRIPT_ARGS,
      ...nodeOptions,
      ...tierFiles(tier, files),
    ]);
  timings.push(`${tier.name} ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!ok) {
    failed = tier.name;
    break;
  }
}
process.stderr.write(`\n== ${failed ? `the ${failed} tier failed` : "passed"}: ${timings.join(", ")}\n`);
process.exitCode = failed ? 1 : 0;
