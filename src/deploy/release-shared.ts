// After a site's distribution is gone: delete the account's shared CloudFront
// stack (datasette-lambda-shared, us-east-1) when no distribution uses its
// cache policies any more. CloudFront is asked, not a count of ours, so sites
// of every region and every tool version are seen, and a failed run leaves
// nothing to drift. The site is already deleted: a failure here is a warning.
import { errorMessage, InterruptedError } from "../errors.ts";
import { GLOBAL_REGION, type AwsClients } from "../aws/clients.ts";
import { distributionsUsingAny } from "../aws/shared-usage.ts";
import { deleteStackAndWait, describeStack, stackOutputs, type WaitOptions } from "../aws/stacks.ts";
import { isInProgress } from "../aws/stack-status.ts";
import { SHARED_STACK_NAME } from "../plan/stack-names.ts";

export type ReleaseClients = Pick<AwsClients, "usEast1Cloudformation" | "cloudfront">;

export interface ReleaseOutput {
  info: (message: string) => void;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

export type SharedRelease =
  | { type: "absent" }
  | { type: "kept"; usedBy: number }
  | { type: "busy"; status: string }
  | { type: "deleted" }
  | { type: "failed"; reason: string };

/** The shared cache policies' ids from the stack's outputs (older stacks may lack one). */
export function sharedCachePolicies(outputs: Record<string, string>): string[] {
  return [outputs.CachePolicyId, outputs.StaticCachePolicyId].filter((id): id is string => Boolean(id));
}

export async function releaseShared(clients: ReleaseClients, out: ReleaseOutput, wait: WaitOptions): Promise<SharedRelease> {
  const stack = await describeStack(clients.usEast1Cloudformation, SHARED_STACK_NAME);
  if (!stack) return { type: "absent" };
  // Another deploy is creating or updating it: it is about to be used.
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
