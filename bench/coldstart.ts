// Benchmark: cold starts of the packaged stub against the naive handler,
// `Mangum(Datasette([db]).app(), lifespan="off")`, on the same layer, in one run.
// Both import from the CLI-built layer (unchecked-hash .pyc, compiled templates)
// in fresh `python -S -B` processes: no site-packages of this machine, no
// bytecode written. Runs alternate naive/stub; prints the medians of the import
// (Lambda's init phase) and of the first request, separately, with CPU time,
// and the ratio stub/naive (target <= 0.50).
// Run: node --import tsx bench/coldstart.ts [runs per side, default 9]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, TEST_PYTHON, cliEnv, runCli, testPythonVersion } from "../test/_helpers/cli.ts";

const runs = Math.max(7, Number(process.argv[2] ?? 9));
const PATHS = ["/", "/fixtures/items"];
const DRIVER = fileURLToPath(new URL("coldstart-driver.py", import.meta.url));
const NAIVE = `import os
from datasette.app import Datasette
from mangum import Mangum

handler = Mangum(
    Datasette([os.path.join(os.environ["LAMBDA_TASK_ROOT"], "databases", "fixtures.db")]).app(),
    lifespan="off",
)
`;

interface Sample {
  import_ms: number;
  import_cpu_ms: number;
  first_ms: number;
  first_cpu_ms: number;
  status: number;
  bytes: number;
  steps_ms: Record<string, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;

const dir = mkdtempSync(join(tmpdir(), "dl-bench-coldstart-"));
try {
  const python = TEST_PYTHON;
  const version = testPythonVersion();
  const arch = process.arch === "arm64" ? "arm64" : "x86_64";
  execFileSync(python, ["stub/tests/fixture_databases.py", join(dir, "fixtures")], { cwd: REPO_ROOT });
  const out = join(dir, "out");
  const built = await runCli(
    [
      "update-stack",
      "bench",
      join(dir, "fixtures", "fixtures.db"),
      "--runtime",
      `python${version}`,
      "--arch",
      arch,
      "--dry-run",
      "--out",
      out,
    ],
    { env: cliEnv() },
  );
  if (built.code !== 0) throw new Error(`build failed: ${built.stderr}`);
  const only = (sub: string) => join(out, "artifacts", sub, readdirSync(join(out, "artifacts", sub))[0]!);
  const taskRoot = join(dir, "task");
  const layer = join(dir, "layer");
  execFileSync("unzip", ["-q", only("package"), "-d", taskRoot]);
  execFileSync("unzip", ["-q", only("layer"), "-d", layer]);
  // The naive handler: same task root (its databases/), its own .pyc like the stub's.
  const naiveDir = join(dir, "naive");
  mkdirSync(naiveDir);
  writeFileSync(join(naiveDir, "naive_handler.py"), NAIVE);
  execFileSync(python, ["-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", naiveDir]);

  const env = { PATH: process.env.PATH ?? "", LAMBDA_TASK_ROOT: taskRoot, DATASETTE_SECRET: "bench-secret-0123456789abcdef" };
  const coldStart = (module: string, codeDir: string, path: string): Sample => {
    const stdout = execFileSync(python, ["-S", "-B", DRIVER, module, codeDir, join(layer, "python"), path], { env }).toString();
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as Sample;
  };

  console.log(`Python ${version} ${arch}, ${runs} fresh processes per side and path, alternating; medians.`);
  for (const path of PATHS) {
    const naive: Sample[] = [];
    const stub: Sample[] = [];
    coldStart("datasette_lambda.handler", taskRoot, path); // one unmeasured round each: page cache warm for both
    coldStart("naive_handler", naiveDir, path);
    for (let i = 0; i < runs; i++) {
      naive.push(coldStart("naive_handler", naiveDir, path));
      stub.push(coldStart("datasette_lambda.handler", taskRoot, path));
    }
    for (const sample of [...naive, ...stub]) if (sample.status !== 200) throw new Error(`${path}: status ${sample.status}`);
    const m = (samples: Sample[], key: "import_ms" | "import_cpu_ms" | "first_ms" | "first_cpu_ms") => median(samples.map((s) => s[key]));
    const total = (samples: Sample[]) => median(samples.map((s) => s.import_ms + s.first_ms));
    console.log(`\nGET ${path}`);
    console.log(`                    import (init)      first request      import + first`);
    for (const [label, samples] of [
      ["naive", naive],
      ["stub", stub],
    ] as const) {
      console.log(
        `  ${label.padEnd(6)}  ${ms(m(samples, "import_ms"))} (cpu ${ms(m(samples, "import_cpu_ms"))})  ` +
          `${ms(m(samples, "first_ms"))} (cpu ${ms(m(samples, "first_cpu_ms"))})  ${ms(total(samples))}`,
      );
    }
    const steps = Object.keys(stub[0]!.steps_ms);
    const stepTimes = steps.map((step) => `${step} ${median(stub.map((s) => s.steps_ms[step] ?? 0)).toFixed(1)} ms`);
    console.log(`  stub's own steps in init: ${stepTimes.join(", ")}`);
    console.log(
      `  ratio stub/naive: import ${(m(stub, "import_ms") / m(naive, "import_ms")).toFixed(2)}, ` +
        `first request ${(m(stub, "first_ms") / m(naive, "first_ms")).toFixed(2)}, ` +
        `import + first ${(total(stub) / total(naive)).toFixed(2)} (target <= 0.50)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
