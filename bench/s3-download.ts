// Benchmark: downloading a big database from S3 (a local moto server,
// bench/moto-s3.py) the way the stub did (one GetObject stream, hashed as it is
// read) against the way it does now (parallel ranged GETs through boto3's
// transfer manager, hashed while they arrive), with "parallel, then hash"
// between them to show what hashing during the download saves. Same object,
// same machine, rounds alternating; prints MB/s (medians) and ratios, twice:
// - loopback: moto as fast as this machine serves it; one stream is limited by
//   CPU only, shared by client and server (2 cores here), so parallel ranges
//   can only add overhead: this shows that cost;
// - S3-like: each connection paced to PACED_MBPS, as S3 serves one connection
//   at tens of MB/s (hence AWS's advice: concurrent ranged GETs of 8-16 MB).
//   This shows what the stub's download is for; the rates are an assumption.
// Run: node --import tsx bench/s3-download.ts [sizeMB, default 1024] [rounds, default 3]
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { sha256File } from "../src/util/sha256.ts";
import { TEST_PYTHON } from "../test/_helpers/cli.ts";
import { motoEnv } from "../test/_helpers/moto.ts";
import { generateDatabase } from "./generate-database.ts";

const targetMb = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);
const PACED_MBPS = 80;
const DRIVER = fileURLToPath(new URL("s3-download-driver.py", import.meta.url));
const SERVER = fileURLToPath(new URL("moto-s3.py", import.meta.url));
const STUB_DIR = fileURLToPath(new URL("../stub/", import.meta.url));
const MB = 1024 * 1024;

/** bench/moto-s3.py on a free port; stop() closes its stdin. */
async function startServer(args: string[]): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(TEST_PYTHON, [SERVER, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (data: string) => {
      seen += data;
      const match = /READY (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`moto-s3.py exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "dl-bench-s3-"));
try {
  const db = join(dir, "big.db");
  const { bytes } = generateDatabase(db, targetMb);
  const sha256 = await sha256File(db);
  console.log(`database: ${(bytes / MB).toFixed(0)} MB; ${rounds} rounds per scenario, alternating; medians`);
  const out = join(dir, "downloads");
  mkdirSync(out);

  for (const [label, args] of [
    ["loopback (no limit per connection)", []],
    [`S3-like (each connection paced to ${PACED_MBPS} MB/s)`, ["--per-connection-mbps", String(PACED_MBPS)]],
  ] as const) {
    const server = await startServer([...args]);
    try {
      const s3 = new S3Client({
        region: "us-east-1",
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
      await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
      await new Upload({ client: s3, params: { Bucket: "bench", Key: "db/big.db", Body: createReadStream(db) }, partSize: 64 * MB }).done();
      const env = { ...motoEnv(server.endpoint, { PATH: process.env.PATH ?? "" }), AWS_DEFAULT_REGION: "us-east-1" };
      const stdout = execFileSync(
        TEST_PYTHON,
        [DRIVER, STUB_DIR, "bench", "db/big.db", String(statSync(db).size), sha256, out, String(rounds)],
        {
          env,
          maxBuffer: 16 * MB,
        },
      ).toString();
      const results = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { way: string; seconds: number; tail: number | null });
      const seconds = (way: string) => median(results.filter((r) => r.way === way).map((r) => r.seconds));
      const tail = (way: string) => median(results.filter((r) => r.way === way).map((r) => r.tail ?? 0));
      console.log(`\n${label}:`);
      for (const way of ["single", "parallel-then-hash", "stub"]) {
        const t = seconds(way);
        const after = way === "single" ? "" : `, hashing after the last byte ${(tail(way) * 1000).toFixed(0)} ms`;
        console.log(`  ${way.padEnd(19)} ${t.toFixed(2).padStart(6)} s  ${(bytes / MB / t).toFixed(0).padStart(5)} MB/s${after}`);
      }
      console.log(
        `  ratio stub/single (time): ${(seconds("stub") / seconds("single")).toFixed(2)} ` +
          `(${(seconds("single") / seconds("stub")).toFixed(2)}x the speed)`,
      );
      console.log(`  ratio stub/parallel-then-hash (time): ${(seconds("stub") / seconds("parallel-then-hash")).toFixed(2)}`);
    } finally {
      server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
