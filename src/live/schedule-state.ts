// What a scheduled import's runs left in schedules/<schedule>.json (written by
// the converter function, stub/datasette_lambda/convert/scheduled_import.py;
// golden examples in contract/schemas/scheduled-import.examples.json), as ls
// shows it. Pure and lenient: a record this version cannot read is "no run yet".
export const SCHEDULE_STATE_PREFIX = "schedules/";

export type RunResult = "published" | "unchanged" | "failed";

export interface ScheduleState {
  lastRun: { at: string; result: RunResult; reason?: string } | null;
  /** The last run that published a new version. */
  lastChange: { at: string; dataAsOf: string | null } | null;
}

export function scheduleStateKey(schedule: string): string {
  return `${SCHEDULE_STATE_PREFIX}${schedule}.json`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function parseScheduleState(text: string): ScheduleState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw.format !== 1) return undefined;
  const run = raw.lastRun;
  const change = raw.lastChange;
  const lastRun =
    isObject(run) && typeof run.at === "string" && ["published", "unchanged", "failed"].includes(run.result as string)
      ? { at: run.at, result: run.result as RunResult, ...(typeof run.reason === "string" ? { reason: run.reason } : {}) }
      : null;
  const lastChange =
    isObject(change) && typeof change.at === "string"
      ? { at: change.at, dataAsOf: typeof change.dataAsOf === "string" ? change.dataAsOf : null }
      : null;
  return { lastRun, lastChange };
}

/** One scheduled import as ls lists it. */
export interface ListedImport {
  schedule: string;
  /** The address it fetches, without its query string; null for a schedule this tool did not make. */
  url: string | null;
  database: string | null;
  /** "every 1 hour" */
  every: string;
  lastRun: ScheduleState["lastRun"];
  lastChange: ScheduleState["lastChange"];
}

/** "rate(1 hour)" -> "every 1 hour"; any other expression as it is. */
export function everyText(expression: string): string {
  const rate = /^rate\((.+)\)$/.exec(expression);
  return rate ? `every ${rate[1]}` : expression;
}
