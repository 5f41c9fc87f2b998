// Turns Lambda log events into readable lines (or JSON objects): timestamp,
// short request id, message; REPORT lines summarised, START dimmed, END
// dropped (REPORT follows it and says more), errors and tracebacks in red.
import type { ChalkInstance } from "chalk";
import type { LogEvent } from "./event.ts";
import { parseReport, shortRequestId, summariseReport, type LambdaReport } from "./report.ts";

export type EventKind = "start" | "end" | "report" | "platform" | "error" | "message";

export interface DescribedEvent {
  kind: EventKind;
  /** The invocation this event belongs to, when known. */
  requestId?: string;
  /** The message without Lambda's own prefix (level tag kept), line breaks normalised. */
  text: string;
  report?: LambdaReport;
}

export interface EventJson {
  timestamp: string;
  stream: string;
  requestId: string | null;
  message: string;
  report?: LambdaReport;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// Lambda's Python logging format: "[LEVEL]\t<ISO time>\t<request id>\t<message>".
const LOGGING_LINE = new RegExp(`^\\[([A-Z]+)\\]\\t\\S+\\t(${UUID})\\t([\\s\\S]*)$`, "i");
// Runtime messages such as "<ISO time> <request id> Task timed out after 3.00 seconds".
const RUNTIME_LINE = new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\S+\\s+(${UUID})\\s+([\\s\\S]*)$`, "i");
const START_OR_END = new RegExp(`^(START|END) RequestId: (${UUID})`, "i");
const PLATFORM_LINE = /^(INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT|EXTENSION|TELEMETRY)\b/;
const ERROR_TEXT = /^\[(ERROR|CRITICAL|FATAL)\]|\bERROR\b|^Task timed out after|\bRuntime\.[A-Za-z]+Error\b|Status: (error|timeout)/;

function normaliseLines(message: string): string {
  // The Python runtime turns a traceback's newlines into \r to keep it one event.
  return message.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
}

/**
 * Describes events in the order they are printed. Remembers, per log stream,
 * the invocation in progress (one at a time per execution environment) so a
 * plain print() line gets its request id, and whether a multi-event Python
 * traceback is still going on.
 */
export class EventDescriber {
  private readonly invocations = new Map<string, string>();
  private readonly inTraceback = new Set<string>();

  describe(event: LogEvent): DescribedEvent {
    const message = normaliseLines(event.message);
    const report = parseReport(message);
    if (report) {
      this.invocations.delete(event.stream);
      this.inTraceback.delete(event.stream);
      return { kind: report.status ? "error" : "report", requestId: report.requestId, text: summariseReport(report), report };
    }
    const startOrEnd = START_OR_END.exec(message);
    if (startOrEnd) {
      const requestId = startOrEnd[2]!;
      if (startOrEnd[1]!.toUpperCase() === "START") this.invocations.set(event.stream, requestId);
      this.inTraceback.delete(event.stream);
      return { kind: startOrEnd[1]!.toUpperCase() === "START" ? "start" : "end", requestId, text: startOrEnd[1]!.toUpperCase() };
    }
    if (PLATFORM_LINE.test(message)) {
      return { kind: ERROR_TEXT.test(message) ? "error" : "platform", text: message };
    }

    let requestId = this.invocations.get(event.stream);
    let text = message;
    const logging = LOGGING_LINE.exec(message);
    const runtime = logging ? null : RUNTIME_LINE.exec(message);
    if (logging) {
      requestId = logging[2]!;
      text = `[${logging[1]!.toUpperCase()}] ${logging[3]!}`;
    } else if (runtime) {
      requestId = runtime[1]!;
      text = runtime[2]!;
    }
    const described: DescribedEvent = { kind: this.isError(event.stream, text) ? "error" : "message", text };
    if (requestId) described.requestId = requestId;
    return described;
  }

  private isError(stream: string, text: string): boolean {
    if (/^Traceback \(most recent call last\)/m.test(text)) {
      // A whole traceback in one event ends inside it; one printed line by line goes on.
      if (text.startsWith("Traceback") && !text.includes("\n")) this.inTraceback.add(stream);
      return true;
    }
    if (this.inTraceback.has(stream)) {
      const continues =
        text === "" ||
        /^\s/.test(text) ||
        text.startsWith("During handling of the above exception") ||
        text.startsWith("The above exception was the direct cause");
      // The first unindented line is the exception itself: still red, and the end.
      if (!continues) this.inTraceback.delete(stream);
      return true;
    }
    return ERROR_TEXT.test(text);
  }
}

export function formatTimestamp(timestamp: number): string {
  return new Date(timestamp).toISOString();
}

const ID_WIDTH = 8;

/** One printable line (or several for a multi-line message), or undefined to drop it. */
export function renderEvent(event: LogEvent, described: DescribedEvent, colors: ChalkInstance): string | undefined {
  if (described.kind === "end") return undefined;
  const id = described.requestId ? shortRequestId(described.requestId) : "";
  const prefix = `${formatTimestamp(event.timestamp)} ${id.padEnd(ID_WIDTH)} `;
  const text =
    described.kind === "report" || (described.kind === "error" && described.report) ? `REPORT ${described.text}` : described.text;
  const body = text.split("\n").join(`\n${" ".repeat(prefix.length)}`);
  switch (described.kind) {
    case "start":
    case "platform":
      return colors.dim(`${prefix}${body}`);
    case "report":
      return `${colors.dim(prefix)}${colors.cyan(body)}`;
    case "error":
      return `${colors.dim(prefix)}${colors.red(body)}`;
    default:
      return `${colors.dim(prefix)}${body}`;
  }
}

export function eventJson(event: LogEvent, described: DescribedEvent): EventJson {
  const json: EventJson = {
    timestamp: formatTimestamp(event.timestamp),
    stream: event.stream,
    requestId: described.requestId ?? null,
    message: event.message.replace(/\n$/, ""),
  };
  if (described.report) json.report = described.report;
  return json;
}
