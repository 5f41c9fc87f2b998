// Lambda's REPORT line (one per invocation), parsed and summarised:
//   REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB\t
//   Max Memory Used: 90 MB\tInit Duration: 812.34 ms\t[Status: timeout]
// "Init Duration" appears only on a cold start.

export interface LambdaReport {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Present on a cold start: the time spent initialising the runtime and handler module. */
  initDurationMs?: number;
  /** "timeout", "error"... when the invocation did not succeed (newer runtimes only). */
  status?: string;
}

function fields(message: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of message.slice("REPORT ".length).split(/\t|\n/)) {
    const colon = part.indexOf(":");
    if (colon > 0) found.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  return found;
}

function number(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number.parseFloat(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The parsed REPORT line, or undefined when the message is not one. */
export function parseReport(message: string): LambdaReport | undefined {
  if (!message.startsWith("REPORT RequestId:")) return undefined;
  const found = fields(message);
  const requestId = found.get("RequestId");
  const durationMs = number(found.get("Duration"));
  if (!requestId || durationMs === undefined) return undefined;
  const report: LambdaReport = {
    requestId,
    durationMs,
    billedDurationMs: number(found.get("Billed Duration")) ?? durationMs,
    memorySizeMb: number(found.get("Memory Size")) ?? 0,
    maxMemoryUsedMb: number(found.get("Max Memory Used")) ?? 0,
  };
  const initDurationMs = number(found.get("Init Duration"));
  if (initDurationMs !== undefined) report.initDurationMs = initDurationMs;
  const status = found.get("Status");
  if (status && status !== "success") report.status = status;
  return report;
}

export function shortRequestId(requestId: string): string {
  return requestId.slice(0, 8);
}

/** "123 ms (billed 124 ms) mem 90/1024 MB cold start 812 ms", without the id. */
export function summariseReport(report: LambdaReport): string {
  const parts = [
    `${Math.round(report.durationMs)} ms (billed ${Math.round(report.billedDurationMs)} ms)`,
    `mem ${report.maxMemoryUsedMb}/${report.memorySizeMb} MB`,
  ];
  if (report.initDurationMs !== undefined) parts.push(`cold start ${Math.round(report.initDurationMs)} ms`);
  if (report.status) parts.push(`status ${report.status}`);
  return parts.join(" ");
}
