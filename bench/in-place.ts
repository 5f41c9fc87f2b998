// Benchmark: serving a big database in place (through an Amazon S3 Files mount) against
// downloading it first, for issue 17. It counts what each standard Datasette page reads
// from the database file, then prices those reads at the read paths S3 Files offers.
//
// 1. Builds a deterministic database of --size-gb GiB (default 2) under a temp dir
//    (bench/in-place-driver.py: people, orders, events; wide rows; seven indexes).
// 2. For each page (index, database, table, table with a filter, a facet, a row, an
//    indexed and an unindexed SQL query, the .json of each, and the two table pages
//    without suggested facets, as with the suggest_facets setting off), starts a fresh process
//    that builds the site with the stub's own datasette_app, as a new Lambda instance
//    would, under `strace -f -ttt -y -e trace=pread64,read`: the init phase and a warm-up
//    request that uses the database ("first open"), then the page (cold), then the page
//    again. Only reads of the database file count. Each time-limited query Datasette
//    runs is logged with its thread, so its reads are known: on slow storage Datasette's
//    own limits (1000 ms per query, 200 ms per facet, 50 ms per suggested facet) cut a
//    query short, and the estimate caps each query at its limit (plus the read under
//    way), counting the queries cut. A second fresh process per page, without strace
//    and with Datasette's default settings, times the page served from local disk.
// 3. Prints one row per page. Estimated in-place time = local serving time + round trips
//    x first-byte latency + bytes / throughput, for:
//      fast tier  the data on S3 Files' high-performance storage (the --in-place=cached
//                 import rule): ~1 ms ("~1ms latencies for active data", AWS News Blog,
//                 launch of S3 Files), 3 GiB/s per client (S3 User Guide, "Performance
//                 specifications" of S3 Files);
//      S3 direct  a file above the import threshold (128 KiB by default) is read straight
//                 from the bucket ("Direct from S3", same page): one GET per read, at a
//                 first-byte latency of tens of milliseconds (AWS whitepaper "Optimizing
//                 Amazon S3 performance", "Timeouts and retries": small requests' median
//                 latency is "in the tens of milliseconds"), 30 ms by default, 90 MB/s;
//      S3 +RA     the same with every run of adjacent reads merged into one request of up
//                 to 1 MiB (the NFS client's read-ahead at best: a lower bound);
//    and download-then-serve = the whole file at 90 MB/s (issue 17's figure for a new
//    instance) + the same local serving time. Ratios are download-then-serve over each
//    in-place estimate. No pass/fail: the figures are a model fed with counted reads.
//
// Also per page: what 1,000 views of it cost in read requests (GETs at S3 direct; metered
// reads on the fast tier), counting only the reads made before a query is cut.
//
// Run: node --import tsx bench/in-place.ts [--size-gb N] [--s3-ms MS] [--fast-ms MS] [--mbps MB_PER_S]
//      [--db FILE]   (FILE: a database an earlier run left with --db; made there when missing, kept)
// Needs strace (Debian: apt-get install -y strace) and ptrace allowed; the venv's Datasette.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { TEST_PYTHON } from "../test/_helpers/cli.ts";

const { values: options } = parseArgs({
  options: {
    "size-gb": { type: "string", default: "2" },
    "s3-ms": { type: "string", default: "30" },
    "fast-ms": { type: "string", default: "1" },
    mbps: { type: "string", default: "90" },
    db: { type: "string" },
  },
});
const sizeGb = Number(options["size-gb"]);
const S3_MS = Number(options["s3-ms"]);
const FAST_MS = Number(options["fast-ms"]);
const DOWNLOAD_BPS = Number(options.mbps) * 1e6;
const S3_BPS = DOWNLOAD_BPS; // one GET stream at a time, as SQLite reads one page at a time
const FAST_BPS = 3 * 1024 ** 3; // per-client read throughput, S3 Files performance page
const READ_AHEAD_BYTES = 1024 * 1024;
// Request prices, us-east-1 (check Amazon S3 pricing for your region): a GET of S3
// Standard, $0.0004 per 1,000; an S3 Files read from the high-performance storage,
// $0.03 per GB with every operation metered at 32 KiB at least (third-party summaries
// of the pricing page, which this machine cannot reach; see notes/design-17.md).
const S3_GET_USD = 0.0004 / 1000;
const FAST_READ_USD_PER_GB = 0.03;
const FAST_MIN_METERED = 32 * 1024;
for (const [name, value] of Object.entries({ "--size-gb": sizeGb, "--s3-ms": S3_MS, "--fast-ms": FAST_MS, "--mbps": DOWNLOAD_BPS })) {
  if (!(value > 0)) throw new Error(`${name} must be a positive number, e.g. ${name} 2`);
}

const DRIVER = fileURLToPath(new URL("in-place-driver.py", import.meta.url));
const STUB_DIR = fileURLToPath(new URL("../stub/", import.meta.url));
const DB_NAME = "big";

const INDEXED_SQL = "select * from orders where person_id = 4242";
const UNINDEXED_SQL = "select count(*), avg(score) from people where bio like '%zephyr amber%'";
const sqlPath = (base: string, sql: string) => `${base}?sql=${encodeURIComponent(sql)}`;
const PAGES: [string, string][] = [
  ["index", "/"],
  ["database", `/${DB_NAME}`],
  ["table", `/${DB_NAME}/orders`],
  ["table filtered", `/${DB_NAME}/orders?category=Books`],
  ["facet", `/${DB_NAME}/orders?_facet=category`],
  ["row", `/${DB_NAME}/people/4242`],
  ["sql indexed", sqlPath(`/${DB_NAME}`, INDEXED_SQL)],
  ["sql unindexed", sqlPath(`/${DB_NAME}`, UNINDEXED_SQL)],
  ["index .json", "/.json"],
  ["database .json", `/${DB_NAME}.json`],
  ["table .json", `/${DB_NAME}/orders.json`],
  ["filtered .json", `/${DB_NAME}/orders.json?category=Books`],
  ["facet .json", `/${DB_NAME}/orders.json?_facet=category`],
  ["row .json", `/${DB_NAME}/people/4242.json`],
  ["sql indexed .json", sqlPath(`/${DB_NAME}.json`, INDEXED_SQL)],
  ["sql unindexed .json", sqlPath(`/${DB_NAME}.json`, UNINDEXED_SQL)],
  // What the table pages cost without suggested facets (the suggest_facets setting off).
  ["table, no suggestions", `/${DB_NAME}/orders?_nosuggest=1`],
  ["filtered, no suggestions", `/${DB_NAME}/orders?category=Books&_nosuggest=1`],
];

interface Read {
  tid: number;
  t: number;
  offset: number;
  bytes: number;
}
interface Block {
  tid: number;
  t0: number;
  t1: number;
  limit_ms: number;
  interrupted: boolean;
  sql: string;
}
interface DriverLog {
  marks: [string, number, number][];
  blocks: Block[];
  responses: { path: string; status: number; bytes: number; ms: number }[];
}

/** pread64/read calls on `file` from an `strace -f -ttt -y -s 0` log. A call another
 * thread interrupts is split: "pread64(6</path>, <unfinished ...>", later
 * "<... pread64 resumed>""..., 4096, 8192) = 4096" (read has no offset: 0 stands in). */
function parseStrace(log: string, file: string): Read[] {
  const reads: Read[] = [];
  const pending = new Map<number, { t: number; onFile: boolean }>();
  const whole = /^(\d+)\s+(\d+\.\d+)\s+(?:pread64|read)\(\d+<([^>]*)>, [^,]*, \d+(?:, (\d+))?\)\s+= (-?\d+)/;
  const unfinished = /^(\d+)\s+(\d+\.\d+)\s+(?:pread64|read)\(\d+<([^>]*)>,.*<unfinished \.\.\.>$/;
  const resumed = /^(\d+)\s+\d+\.\d+\s+<\.\.\. (?:pread64|read) resumed>[^,]*, \d+(?:, (\d+))?\)\s+= (-?\d+)/;
  for (const line of log.split("\n")) {
    let m = whole.exec(line);
    if (m) {
      if (m[3] === file && Number(m[5]) > 0)
        reads.push({ tid: Number(m[1]), t: Number(m[2]), offset: Number(m[4] ?? 0), bytes: Number(m[5]) });
      continue;
    }
    m = unfinished.exec(line);
    if (m) {
      pending.set(Number(m[1]), { t: Number(m[2]), onFile: m[3] === file });
      continue;
    }
    m = resumed.exec(line);
    if (m) {
      const start = pending.get(Number(m[1]));
      pending.delete(Number(m[1]));
      if (start?.onFile && Number(m[3]) > 0) reads.push({ tid: Number(m[1]), t: start.t, offset: Number(m[2] ?? 0), bytes: Number(m[3]) });
    }
  }
  return reads;
}

/** Round trips if adjacent reads of one thread merge into requests of up to `limit` bytes. */
function roundTrips(reads: Read[], limit: number): number {
  let trips = 0;
  const runs = new Map<number, { end: number; size: number }>();
  for (const r of reads) {
    const run = runs.get(r.tid);
    if (run && r.offset === run.end && run.size + r.bytes <= limit) {
      run.end += r.bytes;
      run.size += r.bytes;
    } else {
      trips++;
      runs.set(r.tid, { end: r.offset + r.bytes, size: r.bytes });
    }
  }
  return trips;
}

interface Segment {
  reads: Read[];
  /** Datasette's limit for a time-limited query; null for reads outside one (opening, schema). */
  limitMs: number | null;
  /** The query's SQL and occurrence ("sql#n") within the page, to find its local time. */
  key: string | null;
}

/** The time-limited queries between t0 and t1, keyed "sql#n" (the nth run of that SQL). */
function keyed(blocks: Block[], t0: number, t1: number): [string, Block][] {
  const seen = new Map<string, number>();
  return blocks
    .filter((b) => b.t0 >= t0 && b.t1 <= t1)
    .sort((x, y) => x.t0 - y.t0)
    .map((b) => {
      const n = (seen.get(b.sql) ?? 0) + 1;
      seen.set(b.sql, n);
      return [`${b.sql}#${n}`, b];
    });
}

/** The reads between t0 and t1, split into the time-limited queries that caused them. */
function segments(reads: Read[], blocks: Block[], t0: number, t1: number): Segment[] {
  const own = keyed(blocks, t0, t1);
  const byKey = new Map<string, Segment>();
  const loose: Segment = { reads: [], limitMs: null, key: null };
  for (const r of reads.filter((r) => r.t >= t0 && r.t <= t1)) {
    const hit = own.find(([, b]) => b.tid === r.tid && r.t >= b.t0 && r.t <= b.t1);
    if (!hit) {
      loose.reads.push(r);
      continue;
    }
    const [key, block] = hit;
    const seg = byKey.get(key) ?? { reads: [], limitMs: block.limit_ms, key };
    seg.reads.push(r);
    byKey.set(key, seg);
  }
  return [loose, ...byKey.values()];
}

interface Estimate {
  /** Time added to the local serving time. */
  ms: number;
  /** Queries Datasette would interrupt at their time limit. */
  cut: number;
  /** Read requests made, and their metered bytes (a cut query stops reading). */
  requests: number;
  meteredBytes: number;
}

/** What reading in place adds to the local serving time, at one read path. A query takes
 * its local time plus its I/O, but Datasette interrupts it at its limit (the read under
 * way finishing first): then it takes the limit plus one read, local time included, and
 * makes only the requests that fit. localMs: each query's time when served locally
 * ("sql#n" -> ms, from the untraced run). minMetered: bytes each request is billed at
 * least (S3 Files meters 32 KiB per operation), 0 for a plain count. */
function estimate(
  segs: Segment[],
  localMs: Map<string, number>,
  latencyMs: number,
  bytesPerSecond: number,
  mergeBytes: number,
  minMetered = 0,
): Estimate {
  const result: Estimate = { ms: 0, cut: 0, requests: 0, meteredBytes: 0 };
  for (const seg of segs) {
    const trips = mergeBytes ? roundTrips(seg.reads, mergeBytes) : seg.reads.length;
    const bytes = seg.reads.reduce((sum, r) => sum + r.bytes, 0);
    const metered = mergeBytes ? bytes : seg.reads.reduce((sum, r) => sum + Math.max(r.bytes, minMetered), 0);
    const io = trips * latencyMs + (bytes / bytesPerSecond) * 1000;
    const local = (seg.key && localMs.get(seg.key)) || 0;
    let share = 1;
    if (seg.limitMs !== null && local + io > seg.limitMs) {
      const allowed = Math.max(0, seg.limitMs + latencyMs - local);
      result.ms += allowed;
      result.cut++;
      // The query runs for its limit; its reads are spread over its local time plus its I/O.
      share = Math.min(1, (seg.limitMs + latencyMs) / (local + io));
    } else result.ms += io;
    result.requests += Math.ceil(trips * share);
    result.meteredBytes += metered * share;
  }
  return result;
}

function runDriver(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(TEST_PYTHON, [DRIVER, ...args], { env, maxBuffer: 64 * 1024 * 1024 }).toString();
}

function strace(args: string[], traceLog: string): void {
  const done = spawnSync(
    "strace",
    ["-f", "-ttt", "-y", "-s", "0", "-e", "trace=pread64,read", "-e", "signal=none", "-o", traceLog, TEST_PYTHON, DRIVER, ...args],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (done.error) throw new Error(`strace could not run (${done.error.message}): install it (apt-get install -y strace)`);
  if (done.status !== 0) throw new Error(`driver under strace exited ${done.status}:\n${done.stderr.toString().slice(-3000)}`);
}

const fmtMs = (ms: number) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
const fmtKiB = (bytes: number) => (bytes >= 10 * 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(0)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`);
const fmtRatio = (r: number) => (r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(1)}x`);
const fmtUsd = (usd: number) => (usd >= 10 ? `${usd.toFixed(0)}` : usd >= 0.1 ? usd.toFixed(2) : usd.toFixed(4));
const withCut = (e: Pick<Estimate, "ms" | "cut">) => (e.cut ? `${fmtMs(e.ms)} (${e.cut} cut)` : fmtMs(e.ms));

try {
  execFileSync("strace", ["-V"], { stdio: "ignore" });
} catch {
  console.error("strace is missing: apt-get install -y strace");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "in-place-bench-"));
try {
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  const needed = sizeGb * 1024 ** 3 * 1.2 + 2 * 1024 ** 3;
  if (!options.db && free < needed)
    throw new Error(
      `${dir} has ${(free / 1024 ** 3).toFixed(1)} GiB free; --size-gb ${sizeGb} needs about ${(needed / 1024 ** 3).toFixed(1)} GiB`,
    );

  // The page paths name the database after its file: ${DB_NAME}.db.
  const db = options.db ?? join(dir, `${DB_NAME}.db`);
  if (!db.endsWith(`/${DB_NAME}.db`)) throw new Error(`--db must name a file called ${DB_NAME}.db, e.g. --db /tmp/keep/${DB_NAME}.db`);
  let generated: { bytes: number; tables: Record<string, number>; seconds: number };
  if (options.db && existsSync(db)) {
    generated = JSON.parse(runDriver(["describe", db])) as typeof generated;
  } else {
    console.error(`generating a ${sizeGb} GiB database at ${db} ...`);
    generated = JSON.parse(runDriver(["generate", db, String(sizeGb)])) as typeof generated;
  }
  const tables = JSON.stringify(generated.tables);
  const downloadMs = (generated.bytes / DOWNLOAD_BPS) * 1000;
  console.log(
    `database: ${(generated.bytes / 1024 ** 3).toFixed(2)} GiB (${Object.entries(generated.tables)
      .map(([t, n]) => `${t} ${n.toLocaleString("en")} rows`)
      .join(", ")})${generated.seconds ? `, built in ${generated.seconds.toFixed(0)} s` : ", reused"}`,
  );
  console.log(
    `model: fast tier ${FAST_MS} ms/read + ${(FAST_BPS / 1024 ** 3).toFixed(0)} GiB/s; ` +
      `S3 direct ${S3_MS} ms/read + ${DOWNLOAD_BPS / 1e6} MB/s; ` +
      `+RA = adjacent reads merged up to ${READ_AHEAD_BYTES / 1024} KiB; ` +
      `download ${DOWNLOAD_BPS / 1e6} MB/s = ${fmtMs(downloadMs)} for the file`,
  );

  const header = [
    "page",
    "status",
    "reads",
    "read",
    "trips+RA",
    "again",
    "local",
    "fast tier",
    `S3 ${S3_MS} ms`,
    "S3 +RA",
    "download+serve",
    "dl/fast",
    "dl/S3",
    "dl/S3+RA",
    "$/1k fast",
    "$/1k S3",
  ];
  const rows: string[][] = [];
  let firstOpen: string[] | null = null;
  const traceLog = join(dir, "strace.log");
  const driverLog = join(dir, "driver.json");

  for (const [label, path] of PAGES) {
    console.error(`  ${label}: ${path}`);
    strace(["serve", STUB_DIR, db, tables, path, "trace", driverLog], traceLog);
    const reads = parseStrace(readFileSync(traceLog, "utf8"), db);
    const traced = JSON.parse(readFileSync(driverLog, "utf8")) as DriverLog;
    runDriver(["serve", STUB_DIR, db, tables, path, "time", driverLog]);
    const timed = JSON.parse(readFileSync(driverLog, "utf8")) as DriverLog;
    rmSync(traceLog);

    const mark = (name: string) => traced.marks.find(([n]) => n === name)!;
    const [, pageT0, pageT1] = mark("page");
    const [, againT0, againT1] = mark("again");
    const pageSegs = segments(reads, traced.blocks, pageT0, pageT1);
    const pageReads = pageSegs.flatMap((s) => s.reads);
    const againReads = reads.filter((r) => r.t >= againT0 && r.t <= againT1);
    const localMs = timed.responses[1]!.ms;
    const status = String(timed.responses[1]!.status);
    const [, localT0, localT1] = timed.marks.find(([n]) => n === "page")!;
    const localCut = timed.blocks.filter((b) => b.interrupted && b.t0 >= localT0 && b.t1 <= localT1).length;

    if (!firstOpen) {
      const [, openT0, openT1] = mark("first_open");
      const openSegs = segments(reads, traced.blocks, openT0, openT1).map((s) => ({ ...s, limitMs: null, key: null }));
      const openReads = openSegs.flatMap((s) => s.reads);
      const openLocal = timed.marks.find(([n]) => n === "first_open")!;
      const openLocalMs = (openLocal[2] - openLocal[1]) * 1000;
      const none = new Map<string, number>();
      const fast = estimate(openSegs, none, FAST_MS, FAST_BPS, 0);
      const s3 = estimate(openSegs, none, S3_MS, S3_BPS, 0);
      const s3ra = estimate(openSegs, none, S3_MS, S3_BPS, READ_AHEAD_BYTES);
      const dl = downloadMs + openLocalMs;
      firstOpen = [
        "first open (init + warm-up)",
        "",
        String(openReads.length),
        fmtKiB(openReads.reduce((s, r) => s + r.bytes, 0)),
        String(roundTrips(openReads, READ_AHEAD_BYTES)),
        "",
        fmtMs(openLocalMs),
        fmtMs(openLocalMs + fast.ms),
        fmtMs(openLocalMs + s3.ms),
        fmtMs(openLocalMs + s3ra.ms),
        fmtMs(dl),
        fmtRatio(dl / (openLocalMs + fast.ms)),
        fmtRatio(dl / (openLocalMs + s3.ms)),
        fmtRatio(dl / (openLocalMs + s3ra.ms)),
        "",
        "",
      ];
      rows.push(firstOpen);
    }
    const localQueries = new Map(keyed(timed.blocks, localT0, localT1).map(([key, b]) => [key, (b.t1 - b.t0) * 1000]));
    const fast = estimate(pageSegs, localQueries, FAST_MS, FAST_BPS, 0, FAST_MIN_METERED);
    const s3 = estimate(pageSegs, localQueries, S3_MS, S3_BPS, 0);
    const s3ra = estimate(pageSegs, localQueries, S3_MS, S3_BPS, READ_AHEAD_BYTES);
    const dl = downloadMs + localMs;
    rows.push([
      label,
      localCut ? `${status} (${localCut} cut locally)` : status,
      String(pageReads.length),
      fmtKiB(pageReads.reduce((s, r) => s + r.bytes, 0)),
      String(roundTrips(pageReads, READ_AHEAD_BYTES)),
      String(againReads.length),
      fmtMs(localMs),
      withCut({ ms: localMs + fast.ms, cut: fast.cut }),
      withCut({ ms: localMs + s3.ms, cut: s3.cut }),
      withCut({ ms: localMs + s3ra.ms, cut: s3ra.cut }),
      fmtMs(dl),
      fmtRatio(dl / (localMs + fast.ms)),
      fmtRatio(dl / (localMs + s3.ms)),
      fmtRatio(dl / (localMs + s3ra.ms)),
      fmtUsd(1000 * (fast.meteredBytes / 1024 ** 3) * FAST_READ_USD_PER_GB),
      fmtUsd(1000 * s3.requests * S3_GET_USD),
    ]);
  }

  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log(`
How to read it. One row per page, each measured on a fresh instance (process) after the
first open; "first open" is the init phase plus a warm-up query, paid once per instance.
  reads, read  pread64 calls on the database file and their bytes for the page (cold; a page
               may open a connection on another of Datasette's SQL threads, a few reads), and
               trips+RA the round trips if adjacent reads merged into requests <= 1 MiB;
               again = reads when the same page is served again (SQLite's page cache).
  local        the page served from a local copy, default settings, no tracing (the
               "serve" half of download-then-serve; "cut locally" = queries Datasette
               interrupted even there).
  fast tier / S3 ${S3_MS} ms / S3 +RA
               local + estimated I/O if the file is read in place: every read a round trip
               at that latency (+RA: merged runs). "(N cut)": N queries would outrun their
               Datasette time limit at that latency and be interrupted (the estimate stops
               them at the limit): suggested facets go missing, a count shows as unknown,
               an over-limit SQL query fails with "SQL query took too long".
  download+serve  a new instance downloading the whole file first, then serving locally.
  dl/...       download+serve divided by the in-place estimate: above 1, in place answers
               a new instance's first visitor sooner.
  $/1k         dollars of read requests per 1,000 cold views of the page: fast tier = reads
               metered at >= 32 KiB at $${FAST_READ_USD_PER_GB}/GB; S3 = one GET per read at
               $${(S3_GET_USD * 1000).toFixed(4)}/1,000 (reads a cut query never makes are not counted).
               Download-then-serve pays a new instance's download instead (a few ranged GETs).
Estimates scale with --s3-ms / --fast-ms; reads are counted, latencies assumed (see the
header of bench/in-place.ts for the sources).`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
