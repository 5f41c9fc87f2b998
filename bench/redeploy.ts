// Benchmark: a first deploy and a no-op re-deploy of the same ~100 MB
// database, side by side in one run against a local moto server. Prints the
// bytes each uploaded and the ratio of their times.
// Run: node --import tsx bench/redeploy.ts [sizeMB]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cliEnv, runCli } from "../test/_helpers/cli.ts";
import { motoEnv, startMoto } from "../test/_helpers/moto.ts";
import { generateDatabase } from "./generate-database.ts";

const targetMb = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), "dl-bench-redeploy-"));
const moto = await startMoto();
try {
  const db = join(dir, "data.db");
  const { bytes } = generateDatabase(db, targetMb);
  console.log(`database: ${(bytes / 1024 / 1024).toFixed(0)} MB`);
  const env = motoEnv(moto.endpoint, cliEnv());
  const args = ["update-stack", "bench", db, "--json", "--runtime", "python3.11", "--arch", "x86_64"];

  const timed = async (label: string) => {
    const start = performance.now();
    const result = await runCli(args, { env });
    const seconds = (performance.now() - start) / 1000;
    if (result.code !== 0) throw new Error(`${label} failed: ${result.stderr}`);
    const json = JSON.parse(result.stdout) as { changed: boolean; uploaded: { files: number; bytes: number } };
    console.log(
      `${label}: ${seconds.toFixed(2)} s, changed=${json.changed}, ` +
        `uploaded ${json.uploaded.files} files, ${(json.uploaded.bytes / 1024 / 1024).toFixed(1)} MB`,
    );
    return seconds;
  };
  const first = await timed("first deploy ");
  const again = await timed("no-op deploy ");
  console.log(`time ratio no-op/first: ${(again / first).toFixed(2)}`);
} finally {
  await moto.stop();
  rmSync(dir, { recursive: true, force: true });
}
