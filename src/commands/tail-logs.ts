// tail-logs NAME: the site's Lambda logs from CloudWatch, readable, optionally followed.
import { Chalk, type ChalkInstance } from "chalk";
import type { Command } from "commander";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import type { Sleep } from "../util/sleep.ts";
import { tailLogEvents } from "../aws/logs.ts";
import { findSiteLogGroup } from "../aws/site.ts";
import { EventDescriber, eventJson, renderEvent } from "../logs/format.ts";
import { describeSince, parseSince } from "../logs/since.ts";
import { DEFAULT_LOGS_SINCE } from "../plan/defaults.ts";
import type { SharedOptions } from "../shared-options.ts";
import { onInterrupt } from "../ui/interrupt.ts";
import { createOutput, isInteractive, type Output } from "../ui/output.ts";

export interface TailLogsOptions extends SharedOptions {
  since?: string;
  /** undefined: follow when stdout is a terminal. */
  follow?: boolean;
  filter?: string;
}

export interface TailLogsDeps {
  clients: Pick<AwsClients, "cloudformation" | "logs">;
  output: Output;
  /** Colours for the log lines on stdout (plain when stdout is not a terminal). */
  colors: ChalkInstance;
  /** Whether stdout is a terminal: decides the --follow default. */
  stdoutIsTTY: boolean;
  now?: () => number;
  sleep?: Sleep;
  /** Aborted by Ctrl-C: following stops and the command succeeds. */
  signal?: AbortSignal;
  pollIntervalMs?: number;
}

export async function runTailLogs(name: string, options: TailLogsOptions, deps: TailLogsDeps): Promise<void> {
  const { output } = deps;
  const now = deps.now ?? Date.now;
  const sinceText = options.since ?? DEFAULT_LOGS_SINCE;
  const since = parseSince(sinceText, now());
  const follow = options.follow ?? deps.stdoutIsTTY;
  const filter = options.filter?.trim() ? options.filter : undefined;

  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const { app, logGroupName } = await findSiteLogGroup(deps.clients.cloudformation, name, region);
  const matching = filter ? ` matching --filter ${JSON.stringify(filter)}` : "";
  output.info(
    `Logs of ${name} (${logGroupName}) since ${describeSince(sinceText)}${matching}${follow ? "; following, Ctrl-C to stop" : ""}.`,
  );

  const describer = new EventDescriber();
  let printed = 0;
  let logGroupMissing = false;
  for await (const item of tailLogEvents(deps.clients.logs, logGroupName, {
    since,
    follow,
    filterPattern: filter,
    signal: deps.signal,
    sleep: deps.sleep,
    pollIntervalMs: deps.pollIntervalMs,
    now,
  })) {
    if (item.type === "no-log-group") {
      logGroupMissing = true;
      const visit = app.outputs.SiteUrl ? `Open ${app.outputs.SiteUrl} to make some` : "Invoke the function to make some";
      output.info(
        `No logs yet: log group ${logGroupName} does not exist until the function first runs. ` +
          `${visit}${follow ? "; waiting for them." : "."}`,
      );
      continue;
    }
    if (item.type === "polled") {
      if (!follow && printed === 0 && !logGroupMissing) output.info(`No log events since ${describeSince(sinceText)}${matching}.`);
      continue;
    }
    printed += 1;
    const described = describer.describe(item.event);
    if (output.json) {
      output.result("", eventJson(item.event, described));
    } else {
      const line = renderEvent(item.event, described, deps.colors);
      if (line !== undefined) output.result(line, undefined);
    }
  }
}

/** The commander action: real clients, process streams, Ctrl-C as a clean stop. */
export async function tailLogs(name: string, options: TailLogsOptions, _command: Command): Promise<void> {
  const output = createOutput(options);
  const colourStdout = isInteractive(process.stdout, process.env);
  const interrupt = onInterrupt();
  // `tail-logs x | head` closes the pipe: stop quietly instead of crashing on
  // EPIPE. The listener stays: the error can arrive after the command returns.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") interrupt.abort();
    else process.exitCode = 1;
  });
  try {
    await runTailLogs(name, options, {
      clients: createAwsClients(options),
      output,
      // Log lines go to stdout: colour only when stdout itself is a terminal.
      colors: colourStdout ? output.colors : new Chalk({ level: 0 }),
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
}
