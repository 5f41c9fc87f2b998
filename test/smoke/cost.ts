// The smoke test's cost estimate: what one run used, priced (prices.ts). Pure.
// CloudFormation, ACM public certificates and S3-to-EventBridge events cost
// nothing; storage for the few minutes the site exists rounds to zero.
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
  return [
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
