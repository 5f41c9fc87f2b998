// unschedule NAME URL: the site stops fetching URL. What the imports published
// stays served (rm NAME DB stops that); the schedule's record of its runs goes.
import type { Command } from "commander";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { findLiveSite } from "../aws/live-site.ts";
import { deleteSchedule, deleteScheduleState } from "../aws/schedules.ts";
import { UserError } from "../errors.ts";
import { checkSourceUrl, displayUrl, scheduleName } from "../live/schedule.ts";
import { validateSiteName } from "../plan/validate.ts";
import type { SharedOptions } from "../shared-options.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { schedulingOf } from "./schedule.ts";

export interface UnscheduleDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3" | "scheduler">;
  output: Output;
}

export interface UnscheduleResult {
  site: string;
  schedule: string;
  url: string;
}

export async function runUnschedule(name: string, url: string, _options: SharedOptions, deps: UnscheduleDeps): Promise<UnscheduleResult> {
  validateSiteName(name);
  const source = checkSourceUrl(url);
  const schedule = scheduleName(source.href);
  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const site = await findLiveSite(deps.clients.cloudformation, name, region);
  const { group } = schedulingOf(site);
  if (!(await deleteSchedule(deps.clients.scheduler, group, schedule))) {
    throw new UserError(`${name} has no scheduled import of ${displayUrl(source)}`, {
      hint: `ls ${name} lists its scheduled imports, with their URLs as they were given.`,
    });
  }
  await deleteScheduleState(deps.clients.s3, site.bucket, schedule);
  const result: UnscheduleResult = { site: name, schedule, url: displayUrl(source) };
  deps.output.result(`Unscheduled ${result.url}. What it published stays served; rm ${name} DATABASE stops serving it.`, result);
  return result;
}

export async function unschedule(name: string, url: string, options: SharedOptions, _command?: Command): Promise<void> {
  await runUnschedule(name, url, options, { clients: createAwsClients(options), output: createOutput(options) });
}
