// CloudFormation stack calls: describe, create, update, delete, and waiting
// for an operation to settle while streaming its events. No decisions about
// WHAT to deploy live here (see src/deploy/deploy-stack.ts), so delete-stack
// reuses the same waiting and deleting.
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  paginateListStacks,
  UpdateStackCommand,
  type Capability,
  type CloudFormationClient,
  type Parameter,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { DeployError, InterruptedError, type StackFailure } from "../errors.ts";
import { toAwsError } from "./aws-error.ts";
import { realSleep, sleepUnlessAborted, type Sleep } from "../util/sleep.ts";
import { describeFailure, latestEventId, StackEventPoller } from "./stack-events.ts";
import type { CloudFormation } from "./clients.ts";
import { isDeleted, isInProgress } from "./stack-status.ts";
import { isNoUpdatesError, isStackBusyError, isStackExistsError, isStackMissingError } from "./tolerated-errors.ts";

/** CloudFormation's own waiters poll every 30 s; a deploy should feel live. */
export const DEFAULT_POLL_MS = 2000;

/** How a command waits for its stacks: built once per command, passed down as is. */
export interface WaitOptions {
  /** Called once per new event of the operation waited for, oldest first. */
  onEvent?: (event: StackEvent) => void;
  /** Default DEFAULT_POLL_MS. */
  pollMs?: number;
  sleep?: Sleep;
  /** Stop waiting (Ctrl-C): throws InterruptedError saying the stack's last known status. */
  signal?: AbortSignal;
  /** Named in the interrupt message: "run update-stack again". */
  command?: string;
}

/** Which operation one wait is for. */
export interface WaitTarget {
  /** Poll by this id rather than the name (see StackEventPoller). */
  stackId?: string;
  /** Newest event id from before the operation; older events are not streamed. */
  sinceEventId?: string;
}

export interface WaitResult {
  /** The settled stack, or undefined when it no longer exists (deleted). */
  stack: Stack | undefined;
  /** Failed resources of this operation, oldest first, cancellations left out. */
  failures: StackFailure[];
}

/** The stack, or undefined when there is none (never created, or DELETE_COMPLETE). */
export async function describeStack(client: CloudFormation, stackNameOrId: string): Promise<Stack | undefined> {
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackNameOrId }));
    const stack = response.Stacks?.[0];
    return stack && !isDeleted(stack.StackStatus) ? stack : undefined;
  } catch (error) {
    if (isStackMissingError(error)) return undefined;
    throw toAwsError(error, `Reading stack ${stackNameOrId}`, stackNameOrId);
  }
}

/**
 * Polls until the stack leaves *_IN_PROGRESS, streaming new events; drains the
 * last events after it settles so the failure reason is never lost.
 */
export async function waitForStack(
  client: CloudFormation,
  stackName: string,
  options: WaitOptions = {},
  target: WaitTarget = {},
): Promise<WaitResult> {
  const ref = target.stackId ?? stackName;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const sleep = options.sleep ?? realSleep;
  const events = new StackEventPoller(client, ref, target.sinceEventId);
  const stream = async () => {
    try {
      for (const event of await events.poll()) options.onEvent?.(event);
    } catch (error) {
      throw toAwsError(error, `Reading events of stack ${stackName}`, stackName);
    }
  };
  for (;;) {
    const stack = await describeStack(client, ref);
    await stream();
    if (!isInProgress(stack?.StackStatus)) {
      await stream();
      return { stack, failures: events.failures };
    }
    if ((await sleepUnlessAborted(sleep, pollMs, options.signal)) === "aborted") {
      throw new InterruptedError(
        `The stack ${stackName} is still ${stack?.StackStatus} in CloudFormation; ` +
          `run ${options.command ?? "the command"} again: it waits for it to finish and carries on.`,
      );
    }
  }
}

export interface StackInput {
  stackName: string;
  templateBody: string;
  parameters: Parameter[];
  capabilities?: Capability[];
}

/** Starts a create; "exists" when another run created the stack meanwhile. */
export async function createStack(client: CloudFormation, input: StackInput): Promise<string | "exists"> {
  try {
    const response = await client.send(
      new CreateStackCommand({
        StackName: input.stackName,
        TemplateBody: input.templateBody,
        Parameters: input.parameters,
        Capabilities: input.capabilities,
      }),
    );
    return response.StackId ?? input.stackName;
  } catch (error) {
    if (isStackExistsError(error)) return "exists";
    throw toAwsError(error, `Creating stack ${input.stackName}`, input.stackName);
  }
}

/** Starts an update; "no-updates" when there is nothing to do, "busy" when another operation runs. */
export async function updateStack(client: CloudFormation, input: StackInput): Promise<"updating" | "no-updates" | "busy"> {
  try {
    await client.send(
      new UpdateStackCommand({
        StackName: input.stackName,
        TemplateBody: input.templateBody,
        Parameters: input.parameters,
        Capabilities: input.capabilities,
      }),
    );
    return "updating";
  } catch (error) {
    if (isNoUpdatesError(error)) return "no-updates";
    if (isStackBusyError(error)) return "busy";
    throw toAwsError(error, `Updating stack ${input.stackName}`, input.stackName);
  }
}

/** The template as deployed (as submitted, not processed), or undefined without a stack. */
export async function getTemplateBody(client: CloudFormation, stackName: string): Promise<string | undefined> {
  try {
    const response = await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: "Original" }));
    return response.TemplateBody;
  } catch (error) {
    if (isStackMissingError(error)) return undefined;
    throw toAwsError(error, `Reading the template of stack ${stackName}`, stackName);
  }
}

/**
 * Deletes the stack and waits until it is gone, streaming events. Waits first
 * for an operation already running. "absent" when there was nothing to delete.
 */
export async function deleteStackAndWait(
  client: CloudFormation,
  stackName: string,
  options: WaitOptions = {},
): Promise<"deleted" | "absent"> {
  let stack = await describeStack(client, stackName);
  if (!stack) return "absent";
  const stackId = stack.StackId ?? stackName;
  if (isInProgress(stack.StackStatus)) {
    // A delete already running is simply waited for; anything else must settle first.
    ({ stack } = await waitForStack(client, stackName, options, { stackId, sinceEventId: await latestEventId(client, stackId) }));
    if (!stack) return "deleted";
  }
  const sinceEventId = await latestEventId(client, stackId);
  try {
    await client.send(new DeleteStackCommand({ StackName: stackId }));
  } catch (error) {
    throw toAwsError(error, `Deleting stack ${stackName}`, stackName);
  }
  const result = await waitForStack(client, stackName, options, { stackId, sinceEventId });
  if (result.stack) throw stackFailedError(stackName, "Deleting", result);
  return "deleted";
}

/**
 * "Creating stack X failed (ROLLBACK_COMPLETE): Function (AWS::Lambda::Function): reason".
 * Falls back to the stack's own status reason when no resource event says more
 * (moto emits stack-level events only).
 */
export function stackFailedError(stackName: string, action: string, result: WaitResult, hint?: string): DeployError {
  const status = result.stack?.StackStatus ?? "DELETE_COMPLETE";
  const first = result.failures[0];
  const why = first
    ? describeFailure(first)
    : (result.stack?.StackStatusReason ?? "CloudFormation gave no reason; see the stack's events in the AWS console.");
  return new DeployError(`${action} stack ${stackName} failed (${status}): ${why}`, {
    resource: stackName,
    reasons: result.failures,
    ...(hint ? { hint } : {}),
  });
}

export function stackOutputs(stack: Stack | undefined): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

export function stackParameters(stack: Stack | undefined): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const parameter of stack?.Parameters ?? []) {
    if (parameter.ParameterKey) parameters[parameter.ParameterKey] = parameter.ParameterValue ?? "";
  }
  return parameters;
}

/** The names of every stack in the client's region that is not deleted, with `match`. */
export async function listStackNames(client: CloudFormation, match: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const page of paginateListStacks({ client: client as CloudFormationClient }, {})) {
      for (const summary of page.StackSummaries ?? []) {
        if (summary.StackName && !isDeleted(summary.StackStatus) && match(summary.StackName)) names.push(summary.StackName);
      }
    }
  } catch (error) {
    throw toAwsError(error, "Listing stacks", "CloudFormation");
  }
  return [...new Set(names)].sort();
}
