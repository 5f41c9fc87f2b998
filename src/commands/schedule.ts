// schedule NAME URL --every 1h: the site fetches URL on a schedule (EventBridge
// Scheduler invoking its converter function), converts it as its own data files
// and publishes it as push does, only when it changed. The flags are checked
// before any AWS call; the first run starts within a minute of the schedule.
import type { Command } from "commander";
import { checkEncoding } from "../artifacts/check-encoding.ts";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { readDeployedRecord } from "../aws/deployed-record.ts";
import { findLiveSite, type LiveSite } from "../aws/live-site.ts";
import { putSchedule, type SchedulingTarget } from "../aws/schedules.ts";
import { UserError } from "../errors.ts";
import { isDeployed } from "../live/deployed.ts";
import { databaseUrl } from "../live/listing.ts";
import { scheduleDefinition, type ScheduleFlags } from "../live/schedule.ts";
import { validateSiteName } from "../plan/validate.ts";
import type { SharedOptions } from "../shared-options.ts";
import { createOutput, type Output } from "../ui/output.ts";

export interface ScheduleOptions extends SharedOptions, ScheduleFlags {}

export interface ScheduleDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3" | "scheduler">;
  output: Output;
  /** Checks --encoding with the host's Python (default: artifacts/check-encoding.ts). */
  checkEncoding?: typeof checkEncoding;
  env?: NodeJS.ProcessEnv;
}

export interface ScheduleResult {
  site: string;
  schedule: string;
  /** The URL as the site shows it (no query string). */
  url: string;
  database: string;
  databaseUrl: string;
  expression: string;
  action: "created" | "updated";
}

/** The site's schedule group, role and converter; a site deployed before scheduled imports has none. */
export function schedulingOf(site: LiveSite): SchedulingTarget {
  if (!site.scheduling) {
    throw new UserError(`The site ${site.name} was deployed by a version of datasette-lambda without scheduled imports.`, {
      hint: `Deploy it again with update-stack ${site.name} (and its databases); then schedule works.`,
    });
  }
  return site.scheduling;
}

export async function runSchedule(name: string, url: string, options: ScheduleOptions, deps: ScheduleDeps): Promise<ScheduleResult> {
  const { output } = deps;
  validateSiteName(name);
  const definition = scheduleDefinition(url, options);
  if (options.encoding !== undefined) await (deps.checkEncoding ?? checkEncoding)(options.encoding, deps.env ?? process.env);
  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const site = await findLiveSite(deps.clients.cloudformation, name, region);
  const target = schedulingOf(site);
  const action = await putSchedule(deps.clients.scheduler, target, definition);

  const deployed = await readDeployedRecord(deps.clients.s3, site.bucket).catch(() => undefined);
  if (isDeployed(deployed, definition.database)) {
    output.info(`${definition.database} will replace the database of that name deployed by update-stack while it is live.`);
  }
  if (site.liveCheckSeconds === 0) {
    output.warn(`Live data is off for ${name} (its LiveCheckSeconds is 0): imports are published, but not served until that changes.`);
  }
  const every = definition.every.expression.replace(/^rate\((.*)\)$/, "every $1");
  const result: ScheduleResult = {
    site: name,
    schedule: definition.name,
    url: definition.shown,
    database: definition.database,
    databaseUrl: databaseUrl(site.url, definition.database),
    expression: definition.every.expression,
    action,
  };
  output.result(
    `${action === "created" ? "Scheduled" : "Rescheduled"}: ${definition.shown} ${every}, into ${result.databaseUrl}\n` +
      // A rate schedule with no StartDate "starts invoking the target immediately" (Scheduler guide, "Schedule types").
      `${action === "created" ? "The first run starts within a minute; " : ""}ls ${name} shows each run's result.`,
    result,
  );
  return result;
}

export async function schedule(name: string, url: string, options: ScheduleOptions, _command?: Command): Promise<void> {
  await runSchedule(name, url, options, { clients: createAwsClients(options), output: createOutput(options) });
}
