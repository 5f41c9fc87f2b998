// After a site's distribution is gone: delete the account's shared CloudFront
// stack (datasette-lambda-shared, us-east-1) when no distribution uses its
// cache policies any more, then the Lambda@Edge functions no live shared stack
// owns (the stack retains its function: Lambda refuses to delete it while
// CloudFront keeps replicas, hours after the last distribution lets go; until
// then it is "pending", costs nothing, and a later run deletes it). CloudFront
// is asked, not a count of ours, so sites of every region and every tool
// version are seen, and a failed run leaves nothing to drift. The site is
// already deleted: a failure here is a warning.
import { errorMessage, InterruptedError } from "../errors.ts";
import { GLOBAL_REGION, type AwsClients } from "../aws/clients.ts";
import { deleteEdgeFunction, edgeFunctionOf, listEdgeFunctions } from "../aws/edge-functions.ts";
import { distributionsUsingAny } from "../aws/shared-usage.ts";
import { deleteStackAndWait, describeStack, stackOutputs, type WaitOptions } from "../aws/stacks.ts";
import { isInProgress } from "../aws/stack-status.ts";
import { SHARED_STACK_NAME } from "../plan/stack-names.ts";

export type ReleaseClients = Pick<AwsClients, "usEast1Cloudformation" | "cloudfront" | "usEast1Lambda">;

export interface ReleaseOutput {
  info: (message: string) => void;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

export type StackRelease =
  | { type: "absent" }
  | { type: "kept"; usedBy: number }
  | { type: "busy"; status: string }
  | { type: "deleted" }
  | { type: "failed"; reason: string };

export interface SharedRelease {
  stack: StackRelease;
  /** Edge functions deleted by this run. */
  deletedFunctions: string[];
  /** Edge functions CloudFront still has replicas of: deleted by a later run. */
  pendingFunctions: string[];
}

/** The shared cache policies' ids from the stack's outputs (older stacks may lack one). */
export function sharedCachePolicies(outputs: Record<string, string>): string[] {
  return [outputs.CachePolicyId, outputs.StaticCachePolicyId].filter((id): id is string => Boolean(id));
}

/** What to tell the user about an edge function that cannot go yet. `rerun` is the command that retries. */
export function pendingFunctionWarning(name: string, rerun: string): string {
  return (
    `The Lambda@Edge function ${name} (${GLOBAL_REGION}) cannot be deleted yet: CloudFront deletes its replicas ` +
    "a few hours after the last distribution is gone, and it costs nothing meanwhile. " +
    `Run \`${rerun}\` again later, or \`aws lambda delete-function --function-name ${name} --region ${GLOBAL_REGION}\`.`
  );
}

export async function releaseShared(clients: ReleaseClients, out: ReleaseOutput, wait: WaitOptions, rerun: string): Promise<SharedRelease> {
  const stack = await releaseStack(clients, out, wait);
  // Another deploy is creating or updating the stack: its function may be new.
  if (stack.type === "busy") return { stack, deletedFunctions: [], pendingFunctions: [] };
  const { deleted, pending } = await sweepEdgeFunctions(clients, out);
  for (const name of pending) out.warn(pendingFunctionWarning(name, rerun));
  return { stack, deletedFunctions: deleted, pendingFunctions: pending };
}

async function releaseStack(clients: ReleaseClients, out: ReleaseOutput, wait: WaitOptions): Promise<StackRelease> {
  const stack = await describeStack(clients.usEast1Cloudformation, SHARED_STACK_NAME);
  if (!stack) return { type: "absent" };
  if (isInProgress(stack.StackStatus)) {
    out.debug(`Stack ${SHARED_STACK_NAME} is ${stack.StackStatus}: left alone.`);
    return { type: "busy", status: stack.StackStatus ?? "" };
  }
  const users = await distributionsUsingAny(clients.cloudfront, sharedCachePolicies(stackOutputs(stack)));
  if (users.length > 0) {
    out.info(
      `Shared CloudFront stack ${SHARED_STACK_NAME} kept: ` +
        `${users.length} other distribution${users.length === 1 ? " uses" : "s use"} it.`,
    );
    return { type: "kept", usedBy: users.length };
  }
  out.info(`No site uses the shared CloudFront stack ${SHARED_STACK_NAME} any more: deleting it (${GLOBAL_REGION})...`);
  try {
    await deleteStackAndWait(clients.usEast1Cloudformation, SHARED_STACK_NAME, wait);
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    // E.g. a site deployed meanwhile: CloudFront refuses to delete a policy in use.
    const reason = errorMessage(error);
    out.warn(
      `Could not delete the shared CloudFront stack ${SHARED_STACK_NAME} (${GLOBAL_REGION}): ${reason}. ` +
        "It costs nothing; the next delete-stack of a site retries, or delete it yourself once no site uses it.",
    );
    return { type: "failed", reason };
  }
  return { type: "deleted" };
}

/**
 * Deletes every edge function no shared stack owns. Listed before the stack is
 * looked at: a stack created after that look made its function after the
 * listing, so no function of a live stack is ever deleted.
 */
async function sweepEdgeFunctions(clients: ReleaseClients, out: ReleaseOutput): Promise<{ deleted: string[]; pending: string[] }> {
  const names = await listEdgeFunctions(clients.usEast1Lambda);
  const live = await describeStack(clients.usEast1Cloudformation, SHARED_STACK_NAME);
  const owned = live?.StackId ? edgeFunctionOf(live.StackId) : undefined;
  const deleted: string[] = [];
  const pending: string[] = [];
  for (const name of names.filter((n) => n !== owned)) {
    if ((await deleteEdgeFunction(clients.usEast1Lambda, name)) === "deleted") {
      out.info(`Deleted the Lambda@Edge function ${name} (${GLOBAL_REGION}), no longer used.`);
      deleted.push(name);
    } else {
      pending.push(name);
    }
  }
  return { deleted, pending };
}
