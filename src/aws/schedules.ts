// The site's scheduled imports in EventBridge Scheduler: one schedule per URL,
// in the schedule group of the app stack (templates/app.yaml, ScheduleGroup),
// each invoking the converter function as the stack's SchedulerRole with its
// event as the Input ("Using templated targets in EventBridge Scheduler": a
// Lambda function's ARN as the target invokes it with the Input as its payload).
// And each schedule's record of its runs, schedules/<name>.json in the bucket.
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from "@aws-sdk/client-scheduler";
import type { ScheduleDefinition } from "../live/schedule.ts";
import { displayUrl, parseScheduledEvent } from "../live/schedule.ts";
import { everyText, parseScheduleState, scheduleStateKey, type ListedImport, type ScheduleState } from "../live/schedule-state.ts";
import { toAwsError } from "./aws-error.ts";
import { isObjectMissingError, isScheduleExistsError, isScheduleMissingError } from "./tolerated-errors.ts";

type Scheduler = Pick<SchedulerClient, "send">;
type S3 = Pick<S3Client, "send">;

/** Where a site's schedules go and what they run: the app stack's outputs. */
export interface SchedulingTarget {
  group: string;
  roleArn: string;
  functionArn: string;
}

/**
 * The schedule's request. A delivery Scheduler cannot make (throttling) is
 * retried for at most one interval: a later run fetches anew anyway. The
 * function itself never retries (ConverterInvokeConfig).
 */
export function scheduleRequest(target: SchedulingTarget, definition: ScheduleDefinition): CreateScheduleCommandInput {
  return {
    Name: definition.name,
    GroupName: target.group,
    Description: `datasette-lambda: ${definition.shown} into ${definition.database}`.slice(0, 512),
    ScheduleExpression: definition.every.expression,
    FlexibleTimeWindow: { Mode: "OFF" },
    State: "ENABLED",
    Target: {
      Arn: target.functionArn,
      RoleArn: target.roleArn,
      Input: JSON.stringify(definition.event),
      RetryPolicy: { MaximumEventAgeInSeconds: Math.min(Math.max(definition.every.seconds, 60), 86400), MaximumRetryAttempts: 3 },
    },
  };
}

/** Creates the schedule, or updates the one the URL already has. */
export async function putSchedule(
  scheduler: Scheduler,
  target: SchedulingTarget,
  definition: ScheduleDefinition,
): Promise<"created" | "updated"> {
  const request = scheduleRequest(target, definition);
  try {
    await scheduler.send(new CreateScheduleCommand(request));
    return "created";
  } catch (error) {
    if (!isScheduleExistsError(error)) throw toAwsError(error, `Creating schedule ${definition.name}`, target.group);
  }
  try {
    await scheduler.send(new UpdateScheduleCommand(request));
    return "updated";
  } catch (error) {
    throw toAwsError(error, `Updating schedule ${definition.name}`, target.group);
  }
}

/** Deletes one schedule; false when it was not there. */
export async function deleteSchedule(scheduler: Scheduler, group: string, name: string): Promise<boolean> {
  try {
    await scheduler.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
    return true;
  } catch (error) {
    if (isScheduleMissingError(error)) return false;
    throw toAwsError(error, `Deleting schedule ${name}`, group);
  }
}

/** The names of the group's schedules (none when the group is gone). */
export async function scheduleNames(scheduler: Scheduler, group: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const page of paginateListSchedules({ client: scheduler as SchedulerClient }, { GroupName: group })) {
      for (const schedule of page.Schedules ?? []) if (schedule.Name) names.push(schedule.Name);
    }
  } catch (error) {
    if (isScheduleMissingError(error)) return [];
    throw toAwsError(error, `Listing the schedules of ${group}`, group);
  }
  return names.sort();
}

/** Every schedule of the group with what it fetches and its record of runs, by name. */
export async function listSchedules(scheduler: Scheduler, s3: S3, group: string, bucket: string): Promise<ListedImport[]> {
  const listed: ListedImport[] = [];
  for (const name of await scheduleNames(scheduler, group)) {
    let expression = "";
    let input: string | undefined;
    try {
      const schedule = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));
      expression = schedule.ScheduleExpression ?? "";
      input = schedule.Target?.Input;
    } catch (error) {
      if (isScheduleMissingError(error)) continue; // deleted since the listing
      throw toAwsError(error, `Reading schedule ${name}`, group);
    }
    const event = parseScheduledEvent(input);
    const state = await readScheduleState(s3, bucket, name);
    listed.push({
      schedule: name,
      url: event ? displayUrl(new URL(event.url)) : null,
      database: event?.database ?? null,
      every: everyText(expression),
      lastRun: state?.lastRun ?? null,
      lastChange: state?.lastChange ?? null,
    });
  }
  return listed;
}

/** Deletes every schedule of the group (delete-stack, before the stack goes); their names. */
export async function deleteAllSchedules(scheduler: Scheduler, group: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of await scheduleNames(scheduler, group)) if (await deleteSchedule(scheduler, group, name)) deleted.push(name);
  return deleted;
}

export async function readScheduleState(s3: S3, bucket: string, name: string): Promise<ScheduleState | null> {
  const key = scheduleStateKey(name);
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return parseScheduleState((await response.Body?.transformToString()) ?? "") ?? null;
  } catch (error) {
    if (isObjectMissingError(error)) return null;
    throw toAwsError(error, `Reading s3://${bucket}/${key}`, bucket);
  }
}

export async function deleteScheduleState(s3: S3, bucket: string, name: string): Promise<void> {
  const key = scheduleStateKey(name);
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    throw toAwsError(error, `Deleting s3://${bucket}/${key}`, bucket);
  }
}
