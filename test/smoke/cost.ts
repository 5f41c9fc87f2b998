// The smoke test's cost estimate: what one run used, priced (prices.ts). Pure.
// CloudFormation, ACM public certificates and S3-to-EventBridge events cost
// nothing; storage for the few minutes the site exists rounds to zero. With
// --in-place: the NAME-files VPC, subnets, S3 gateway endpoint and mount
// targets cost nothing of their own (S3 Files meters storage and reads); the
// function's network interfaces neither. With --schedule: each converter run
// is a Lambda request (in the REPORT lines), each delivery a Scheduler invocation.
import type { LambdaReport } from "../../src/logs/report.ts";
import { PRICES } from "./prices.ts";

export interface Usage {
  /** Requests this run sent to CloudFront. */
  cloudfrontRequests: number;
  /** Bytes CloudFront sent back. */
  cloudfrontBytes: number;
  /** Cache misses of the default behaviour: each ran the origin-request Lambda@Edge function. */
  edgeInvocations: number;
  /** REPORT lines of the site's and the converter's functions. */
  reports: LambdaReport[];
  /** Architecture of those functions. */
  arch: "arm64" | "x86_64";
  s3Writes: number;
  s3Reads: number;
  /** Bytes written to the functions' log groups. */
  logBytes: number;
  /** --in-place: what the mount read. */
  inPlace?: InPlaceUsage;
  /** --schedule: how many times EventBridge Scheduler invoked the converter. */
  schedulerInvocations?: number;
}

export interface InPlaceUsage {
  /** Bytes of the databases over S3 Files' 128 KiB threshold: read straight from S3, a GET per read. */
  directBytes: number;
  /** Bytes under it (small databases, manifests): imported onto, and read from, the high-performance storage. */
  smallBytes: number;
  /** New instances of the site's function (cold starts), each reading through its own mount. */
  instances: number;
  mountTargets: number;
}

/** SQLite's default page size: at most one S3 GET per page read. */
const SQLITE_PAGE = 4096;

/** At most every page of each direct database once per instance (the NFS client caches what it read). */
export function inPlaceReads(usage: InPlaceUsage): number {
  return usage.instances * Math.ceil(usage.directBytes / SQLITE_PAGE);
}

/** rate(1 minute) with no start date: one delivery at once, then one a minute until unscheduled (at most). */
export function scheduledInvocations(scheduledMs: number): number {
  return Math.max(0, Math.floor(scheduledMs / 60_000)) + 1;
}

export interface CostLine {
  item: string;
  quantity: string;
  usd: number;
}

const GB = 1024 ** 3;

/** One line per priced item, in dollars; the total is their sum. */
export function estimateCost(usage: Usage): CostLine[] {
  const gbSeconds = usage.reports.reduce((sum, r) => sum + (r.memorySizeMb / 1024) * (r.billedDurationMs / 1000), 0);
  const lambdaGbSecond = usage.arch === "arm64" ? PRICES.lambdaArmGbSecond : PRICES.lambdaX86GbSecond;
  // The edge function: 128 MB, billed per ms; a few ms each (5 ms assumed: its REPORT lines are in other regions).
  const edgeGbSeconds = usage.edgeInvocations * (128 / 1024) * 0.005;
  const lines: CostLine[] = [
    { item: "CloudFront requests", quantity: `${usage.cloudfrontRequests}`, usd: usage.cloudfrontRequests * PRICES.cloudfrontRequest.usd },
    {
      item: "CloudFront data out",
      quantity: `${(usage.cloudfrontBytes / 1024 / 1024).toFixed(1)} MB`,
      usd: (usage.cloudfrontBytes / GB) * PRICES.cloudfrontGbOut.usd,
    },
    {
      item: "CloudFront Functions",
      quantity: `${usage.cloudfrontRequests}`,
      usd: usage.cloudfrontRequests * PRICES.cloudfrontFunction.usd,
    },
    {
      item: "Lambda@Edge",
      quantity: `${usage.edgeInvocations} requests`,
      usd: usage.edgeInvocations * PRICES.edgeRequest.usd + edgeGbSeconds * PRICES.edgeGbSecond.usd,
    },
    { item: "Lambda requests", quantity: `${usage.reports.length}`, usd: usage.reports.length * PRICES.lambdaRequest.usd },
    { item: "Lambda duration", quantity: `${gbSeconds.toFixed(1)} GB-s`, usd: gbSeconds * lambdaGbSecond.usd },
    {
      item: "S3 requests",
      quantity: `${usage.s3Writes} writes, ${usage.s3Reads} reads`,
      usd: usage.s3Writes * PRICES.s3Write.usd + usage.s3Reads * PRICES.s3Read.usd,
    },
    {
      item: "CloudWatch Logs",
      quantity: `${(usage.logBytes / 1024).toFixed(0)} KB`,
      usd: (usage.logBytes / GB) * PRICES.logsGbIngested.usd,
    },
  ];
  if (usage.inPlace) {
    const reads = inPlaceReads(usage.inPlace);
    const smallRead = usage.inPlace.smallBytes * usage.inPlace.instances;
    lines.push(
      { item: "S3 Files reads from S3", quantity: `at most ${reads} GETs`, usd: reads * PRICES.s3Read.usd },
      {
        item: "S3 Files storage reads",
        quantity: `${(smallRead / 1024).toFixed(0)} KB`,
        usd: (smallRead / GB) * PRICES.s3FilesReadGb.usd,
      },
      { item: "S3 Files mount targets, VPC", quantity: `${usage.inPlace.mountTargets}, no charge`, usd: 0 },
    );
  }
  if (usage.schedulerInvocations !== undefined) {
    lines.push({
      item: "EventBridge Scheduler",
      quantity: `${usage.schedulerInvocations} invocations`,
      usd: usage.schedulerInvocations * PRICES.schedulerInvocation.usd,
    });
  }
  return lines;
}

export function totalCost(lines: CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.usd, 0);
}

/** The table the smoke test prints. */
export function renderCost(lines: CostLine[]): string {
  const width = Math.max(...lines.map((line) => line.item.length));
  const rows = lines.map((line) => `  ${line.item.padEnd(width)}  ${line.quantity.padStart(22)}  $${line.usd.toFixed(6)}`);
  return [...rows, `  ${"Total".padEnd(width)}  ${"".padStart(22)}  $${totalCost(lines).toFixed(6)}`].join("\n");
}
