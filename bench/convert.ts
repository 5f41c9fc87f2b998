// Benchmark: converting a generated CSV (~1 GB by default) with our converter
// (datasette_lambda.convert, in the host environment the CLI builds) side by side with
// `sqlite-utils insert --csv --detect-types` in the same run: rows per second
// and peak RSS of each, and their ratios. sqlite-utils runs as a user would
// run it (its default commits every 100 rows; --batch-size 100000 was
// measured only ~15% faster, so the difference is not its fsyncs).
// Run: node --import tsx bench/convert.ts [sizeMB]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { converterEnvironment } from "../src/artifacts/converter-env.ts";
import { converterCommand } from "../src/artifacts/convert.ts";
import { cliEnv } from "../test/_helpers/cli.ts";
import { generateCsv } from "./generate-csv.ts";

const targetMb = Number(process.argv[2] ?? 1024);

interface Measured {
  seconds: number;
  peakMb: number;
}

/** Runs a command under a Python probe: wall time and the child's peak RSS (ru_maxrss of RUSAGE_CHILDREN). */
function measure(python: string, command: string[], env: NodeJS.ProcessEnv): Measured {
  const probe = [
    "import resource, subprocess, sys, time",
    "start = time.perf_counter()",
    "done = subprocess.run(sys.argv[1:])",
    "seconds = time.perf_counter() - start",
    "assert done.returncode == 0, done.returncode",
    "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
  ].join("\n");
  const output = execFileSync(python, ["-c", probe, ...command], { env, stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim()
    .split("\n")
    .at(-1)!;
  const [seconds, maxrssKb] = output.split(" ").map(Number) as [number, number];
  return { seconds, peakMb: maxrssKb / 1024 };
}

const dir = mkdtempSync(join(tmpdir(), "dl-bench-convert-"));
try {
  const csv = join(dir, "data.csv");
  const rows = generateCsv(csv, targetMb);
  console.log(`CSV: ${(statSync(csv).size / 1024 / 1024).toFixed(0)} MB, ${rows} rows`);

  const env = cliEnv();
  const converter = await converterEnvironment({ env });
  const ourEnv = { ...env, PYTHONPATH: converter.sitePackages, PYTHONDONTWRITEBYTECODE: "1" };
  const ours = measure(converter.python, [converter.python, ...converterCommand([csv, "--out", join(dir, "ours.db")])], ourEnv);

  // sqlite-utils 4 detects types by default and dropped --detect-types; 3.x needs the flag.
  const help = execFileSync("sqlite-utils", ["insert", "--help"], { env }).toString();
  const detect = help.includes("--detect-types") ? ["--detect-types"] : [];
  const sqliteUtils = (name: string) =>
    measure(converter.python, ["sqlite-utils", "insert", join(dir, `${name}.db`), "data", csv, "--csv", ...detect], env);
  const theirs = sqliteUtils("sqlite-utils");
  const version = execFileSync("sqlite-utils", ["--version"], { env }).toString().trim();

  const line = (label: string, m: Measured, db: string) =>
    console.log(
      `${label.padEnd(44)} ${m.seconds.toFixed(1).padStart(7)} s  ${Math.round(rows / m.seconds)
        .toString()
        .padStart(
          8,
        )} rows/s  peak RSS ${m.peakMb.toFixed(0).padStart(4)} MB  ${(statSync(join(dir, db)).size / 1024 / 1024).toFixed(0)} MB out`,
    );
  line("ours (datasette_lambda.convert)", ours, "ours.db");
  line(`${version} insert --csv ${detect.join(" ")}`.trim(), theirs, "sqlite-utils.db");
  console.log(`speed: ours is ${(theirs.seconds / ours.seconds).toFixed(2)}x sqlite-utils' rows/s`);
  console.log(
    `peak RSS ratio ours/sqlite-utils: ${(ours.peakMb / theirs.peakMb).toFixed(2)} ` +
      `(ours under 200 MB, the target for a 1 GB CSV: ${ours.peakMb < 200 ? "yes" : "NO"})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
