// Benchmark: building the package zip for a ~200 MB database, side by side
// with `zip -6` on the same files in the same run. Prints the ratio.
// Run: node --import tsx bench/package.ts [sizeMB]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildPackage } from "../src/artifacts/package.ts";
import { inspectDatabase } from "../src/inputs/databases.ts";
import { samplePlan } from "../test/_helpers/plan.ts";
import { generateDatabase } from "./generate-database.ts";

const targetMb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), "dl-bench-"));
try {
  const dbPath = join(dir, "big.db");
  const { bytes, rows } = generateDatabase(dbPath, targetMb);
  console.log(`database: ${(bytes / 1024 / 1024).toFixed(0)} MB, ${rows} rows`);

  const input = await inspectDatabase(dbPath);
  const plan = samplePlan({ databases: [{ ...input, location: "inline" }] });

  // Same inputs for both: zip gets the stub, manifest and database files.
  let start = performance.now();
  const ours = await buildPackage({ plan, path: join(dir, "ours.zip"), python: null });
  const oursSeconds = (performance.now() - start) / 1000;
  const again = await buildPackage({ plan, path: join(dir, "ours2.zip"), python: null });

  execFileSync("unzip", ["-q", join(dir, "ours.zip"), "-d", join(dir, "tree")]);
  start = performance.now();
  execFileSync("zip", ["-q", "-6", "-r", "-X", join(dir, "zip6.zip"), "."], { cwd: join(dir, "tree") });
  const zipSeconds = (performance.now() - start) / 1000;
  const zipBytes = statSync(join(dir, "zip6.zip")).size;

  console.log(`ours:   ${oursSeconds.toFixed(2)} s, ${(ours.bytes / 1024 / 1024).toFixed(1)} MB`);
  console.log(`zip -6: ${zipSeconds.toFixed(2)} s, ${(zipBytes / 1024 / 1024).toFixed(1)} MB`);
  console.log(`time ratio ours/zip: ${(oursSeconds / zipSeconds).toFixed(2)} (target <= 1.00)`);
  console.log(`size ratio ours/zip: ${(ours.bytes / zipBytes).toFixed(3)}`);
  console.log(`deterministic: ${ours.sha256 === again.sha256 ? "yes" : "NO"} (${ours.sha256.slice(0, 16)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
