// Benchmark: freshness (issue 9), from `push` of a ~50 MB CSV to the table
// being served by a running stub. Everything is local: a moto server is S3
// and CloudFormation, the site is deployed by the real CLI (update-stack), and
// its own package and layer (downloaded from the moto bucket, at the keys the
// stack names) are served by stub/tests/local_server.py, one Lambda instance
// that already answered a request. Target: under 60 s, most of it conversion.
//
// It times the converter alone on the file first, then `push SITE FILE --url
// <local server> --json` in three scenarios (below, step 4: live checks every
// 15 s, the default, with the instance's last check at push start or just
// before the manifest is written, the worst case; and every 1 s), each on a
// fresh server with its own copy of the CSV under another name, so each push
// has new bytes to publish. Each is split by push's own progress lines into:
// start (AWS lookups), conversion, upload + publish, wait until served. Then it
// checks that the server serves the table with every row.
// Per-request cost of following live data: bench/live-check.py.
// Run: node --import tsx bench/freshness.ts [sizeMB]
import { execFileSync, spawn, type ChildProcess, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DatabaseSync } from "node:sqlite";
import type { Readable, Writable } from "node:stream";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { converterEnvironment } from "../src/artifacts/converter-env.ts";
import { converterCommand } from "../src/artifacts/convert.ts";
import { REPO_ROOT, TEST_PYTHON, cliEnv, runCli, testPythonVersion } from "../test/_helpers/cli.ts";
import { motoEnv, startMoto, type MotoServer } from "../test/_helpers/moto.ts";
import { motoClients } from "../test/_helpers/moto-site.ts";
import { generateCsv } from "./generate-csv.ts";

const targetMb = Number(process.argv[2] ?? 50);
const TARGET_SECONDS = 60;
const SITE = "fresh";
const BIN = join(REPO_ROOT, "bin/datasette-lambda.js");

type Child = ChildProcessByStdio<Writable, Readable, Readable>;
const children = new Set<Child>();

function killGroup(child: Child, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // detached: the child leads its own group
  } catch {
    // already gone
  }
}
/** The CLI's runs (push), ended with this process however it ends. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) killGroup(child, "SIGKILL");
  for (const child of running) child.kill("SIGKILL");
});

async function stopChild(child: Child): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.stdin.end();
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  }
  children.delete(child);
}

/** stub/tests/local_server.py on the unzipped package and layer; resolves once it prints READY <port>. */
async function startLocalServer(
  taskRoot: string,
  layerDir: string,
  env: Record<string, string>,
): Promise<{ url: string; stop: () => Promise<void>; stderr: () => string }> {
  const child: Child = spawn(
    TEST_PYTHON,
    [join(REPO_ROOT, "stub/tests/local_server.py"), "--task-root", taskRoot, "--layer-dir", layerDir, "--port", "0", "--stop-on-eof"],
    { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"], detached: true },
  );
  children.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8_000)));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`local server not ready after 60 s:\n${stderr}`)), 60_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`local server exited (${signal ?? code}):\n${stderr}`));
    });
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => stopChild(child), stderr: () => stderr };
}

/** The CLI with each stderr line stamped with when it arrived (ms since start). */
async function timedCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (text: string) => void = () => {},
): Promise<{ code: number; stdout: string; stderr: string; lines: { at: number; text: string }[]; seconds: number }> {
  const start = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stdout = "";
  let stderr = "";
  let partial = "";
  const lines: { at: number; text: string }[] = [];
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (stdout += chunk));
  child.stderr.on("data", (chunk: string) => {
    const at = performance.now() - start;
    stderr += chunk;
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) {
      lines.push({ at, text });
      onLine(text);
    }
  });
  const [code] = (await once(child, "close")) as [number | null];
  return { code: code ?? -1, stdout, stderr, lines, seconds: (performance.now() - start) / 1000 };
}

async function download(moto: MotoServer, bucket: string, key: string, path: string): Promise<void> {
  const { s3 } = motoClients(moto);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  writeFileSync(path, await response.Body!.transformToByteArray());
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Run {
  label: string;
  total: number;
  start: number;
  conversion: number;
  publish: number;
  wait: number;
  /** From the instance's last manifest check to the manifest write, about. */
  sinceCheck: number;
}

const dir = mkdtempSync(join(tmpdir(), "dl-bench-freshness-"));
// Ctrl-C: the exit handlers above and in moto.ts stop the servers; the temp dir goes too.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
let moto: MotoServer | undefined;
const servers: { stop: () => Promise<void> }[] = [];
try {
  moto = await startMoto();
  const cli = motoEnv(moto.endpoint, cliEnv());
  const hostArgs = ["--runtime", `python${testPythonVersion()}`, "--arch", process.arch === "arm64" ? "arm64" : "x86_64"];

  // 1. A small site, deployed by the real CLI.
  const tiny = join(dir, "tiny.db");
  const db = new DatabaseSync(tiny);
  db.exec("create table items (id integer primary key, name text); insert into items (name) values ('one'), ('two'), ('three')");
  db.close();
  const deployStart = performance.now();
  const deployed = await runCli(["update-stack", SITE, tiny, "--json", ...hostArgs], { env: cli });
  if (deployed.code !== 0) throw new Error(`update-stack failed:\n${deployed.stderr}`);
  console.log(`setup: update-stack of a tiny site on moto ${((performance.now() - deployStart) / 1000).toFixed(1)} s`);

  // 2. Its package and layer, from the bucket at the keys the app stack names, unzipped as Lambda would.
  const { cloudformation } = motoClients(moto);
  const described = await cloudformation.send(new DescribeStacksCommand({ StackName: `${SITE}-lambda` }));
  const parameters = Object.fromEntries((described.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
  const bucket = parameters.BucketName!;
  const taskRoot = join(dir, "task");
  const layerDir = join(dir, "layer");
  for (const [key, target] of [
    [parameters.PackageKey!, taskRoot],
    [parameters.LayerKey!, layerDir],
  ] as const) {
    const zip = join(dir, "artifact.zip");
    await download(moto, bucket, key, zip);
    execFileSync("unzip", ["-q", zip, "-d", target]);
    rmSync(zip);
  }

  // 3. The CSV, and the converter alone on it (this also warms the page cache for the pushes).
  const csv = join(dir, "trips.csv");
  const rows = generateCsv(csv, targetMb);
  const csvMb = statSync(csv).size / 1024 / 1024;
  console.log(
    `CSV: ${csvMb.toFixed(0)} MB, ${rows} rows ` +
      `(${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)}: times vary with it)`,
  );
  const converter = await converterEnvironment({ env: cli });
  const convertStart = performance.now();
  execFileSync(converter.python, converterCommand([csv, "--out", join(dir, "alone.db"), "--json"]), {
    env: { ...cli, PYTHONPATH: converter.sitePackages, PYTHONDONTWRITEBYTECODE: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const convertAlone = (performance.now() - convertStart) / 1000;
  const dbMb = statSync(join(dir, "alone.db")).size / 1024 / 1024;
  console.log(`converter alone (datasette_lambda.convert): ${convertAlone.toFixed(1)} s, ${dbMb.toFixed(0)} MB database`);
  rmSync(join(dir, "alone.db"));

  // 4. One push per scenario, each to a fresh running instance (built, its first check done at warm-up):
  //    "at push start": its last check was the warm-up just before push started (the phase is whatever
  //      push's own steps make it: a check comes due during a conversion longer than the interval);
  //    "before write": the worst case, a check just before the manifest is written (the bench waits one
  //      interval after the warm-up, so a check is due, and makes a request when push starts publishing);
  //    1 s: a short interval, about the floor (download and swap, and push's 2 s polls).
  const scenarios = [
    { label: "15 s, last check at push start", liveSeconds: "15", checkBeforeWrite: false },
    { label: "15 s, a check before the write", liveSeconds: "15", checkBeforeWrite: true },
    { label: "1 s", liveSeconds: "1", checkBeforeWrite: false },
  ];
  const runs: Run[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const tmp = join(dir, `tmp-${index}`);
    mkdirSync(tmp);
    const server = await startLocalServer(taskRoot, layerDir, {
      ...motoEnv(moto.endpoint, process.env),
      AWS_DEFAULT_REGION: "us-east-1",
      DATASETTE_LAMBDA_BUCKET: bucket,
      DATASETTE_LAMBDA_LIVE_SECONDS: scenario.liveSeconds,
      DATASETTE_SECRET: "bench",
      TMPDIR: tmp, // the stub's downloads, removed with the rest
      PYTHONUNBUFFERED: "1",
    });
    servers.push(server);
    const statusUrl = (tag: string) => `${server.url}-/datasette-lambda.json?_=${tag}`;
    const warm = await getJson(statusUrl("warm"));
    let lastCheck = performance.now();
    if (scenario.checkBeforeWrite) await new Promise((resolve) => setTimeout(resolve, Number(scenario.liveSeconds) * 1000 + 200));

    const name = `trips_${index}`;
    const file = join(dir, `${name}.csv`);
    copyFileSync(csv, file);
    let poke: Promise<Record<string, unknown>> | undefined;
    const onLine = (text: string) => {
      if (scenario.checkBeforeWrite && text.startsWith("Publishing")) {
        lastCheck = performance.now();
        poke = getJson(statusUrl("poke"));
      }
    };
    const pushStart = performance.now();
    // push's own temp dir (the converted database) inside ours, so an interrupted run leaves nothing.
    const pushed = await timedCli(["push", SITE, file, "--url", server.url, "--json"], { ...cli, TMPDIR: tmp }, onLine);
    if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.stderr}\n--- server ---\n${server.stderr()}`);
    const json = JSON.parse(pushed.stdout) as {
      wait: string;
      databases: { name: string; sha256: string; tables: Record<string, { count: number }> }[];
    };
    if (json.wait !== "served")
      throw new Error(`push did not see the site serve it (wait: ${json.wait}):\n${pushed.stderr}\n--- server ---\n${server.stderr()}`);
    const at = (prefix: string) => {
      const line = pushed.lines.find((l) => l.text.startsWith(prefix));
      if (!line) throw new Error(`push printed no "${prefix}..." line:\n${pushed.stderr}`);
      return line.at / 1000;
    };
    const converting = at("Converting and checking");
    const publishing = at("Publishing");
    const waiting = at("Waiting for");
    if (poke) {
      // The request made when push started publishing must have checked the old manifest, or this is not the worst case.
      const poked = await poke;
      const databases = (poked.databases ?? {}) as Record<string, { sha256?: string }>;
      if (poked.checkedAt === warm.checkedAt || databases[name]?.sha256 === json.databases[0]?.sha256) {
        throw new Error(`the request before the write did not check the old manifest: ${JSON.stringify(poked)}`);
      }
    }

    // The server really serves the table, with every row.
    const table = await getJson(`${server.url}${name}/${name}.json?_size=1`);
    const count = table.filtered_table_rows_count;
    if (count !== rows || json.databases[0]?.tables[name]?.count !== rows) {
      throw new Error(
        `${name}: expected ${rows} rows, the server counts ${String(count)}, push said ${JSON.stringify(json.databases[0]?.tables)}`,
      );
    }
    runs.push({
      label: scenario.label,
      total: pushed.seconds,
      start: converting,
      conversion: publishing - converting,
      publish: waiting - publishing,
      wait: pushed.seconds - waiting,
      sinceCheck: (pushStart - lastCheck) / 1000 + waiting,
    });
    await server.stop();
    rmSync(file);
  }

  // 5. The table.
  console.log(`\npush of a ${csvMb.toFixed(0)} MB CSV (${rows} rows) until a running stub serves it (each verified: ${rows} rows served)`);
  const cell = (s: number) => `${s.toFixed(1).padStart(5)} s`;
  const width = Math.max(...runs.map((run) => run.label.length)) + 2;
  console.log(
    `${"live check".padEnd(width)}${"start".padStart(7)}  ${"convert".padStart(7)}  ${"upload+pub".padStart(10)}  ` +
      `${"wait".padStart(7)}  ${"total".padStart(7)}  vs ${TARGET_SECONDS} s  convert share  last check before write`,
  );
  for (const run of runs) {
    const ratio = `${(run.total / TARGET_SECONDS).toFixed(2)}x`;
    const share = `${Math.round((run.conversion / run.total) * 100)}%`;
    console.log(
      `${run.label.padEnd(width)}${cell(run.start)}  ${cell(run.conversion)}  ${cell(run.publish).padStart(10)}  ` +
        `${cell(run.wait)}  ${cell(run.total)}  ${ratio.padStart(7)}  ${share.padStart(13)}  ${cell(run.sinceCheck).padStart(22)}`,
    );
  }
  const over = runs.filter((run) => run.total >= TARGET_SECONDS);
  console.log(
    over.length === 0
      ? `all under the ${TARGET_SECONDS} s target`
      : `OVER the ${TARGET_SECONDS} s target: ${over.map((run) => run.label).join("; ")}`,
  );
  console.log(
    `converter alone on the same file: ${convertAlone.toFixed(1)} s (push's conversion step adds its checks and the converter's start-up)`,
  );
  console.log(
    "start: CLI start-up and AWS lookups; wait: to the instance's next due check (on a request: push polls every 2 s), download, swap.",
  );
  console.log("Per-request cost of following live data: .venv/bin/python bench/live-check.py");
} finally {
  for (const server of servers) await server.stop().catch(() => undefined);
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
}
