// --in-place's NAME-files stack (templates/files.yaml): finding it, and deleting
// it in the only order that works: once the function has left its VPC (or is
// deleted), wait for Lambda to delete the function's network interfaces there,
// then delete the stack (mount targets, file system, VPC: minutes).
import type { Stack } from "@aws-sdk/client-cloudformation";
import { filesStackName } from "../plan/stack-names.ts";
import type { CloudFormation, Ec2 } from "./clients.ts";
import { type NetworkInterfaceWait, waitForNetworkInterfacesGone } from "./network-interfaces.ts";
import { findStack, type StackInfo, stackResources } from "./site.ts";
import { deleteStackAndWait, type WaitOptions } from "./stacks.ts";

/** How templates/files.yaml's Description starts: a stack of that name made by anything else is never touched. */
export const FILES_STACK_DESCRIPTION = "datasette-lambda files:";

export function isFilesStack(stack: Pick<Stack, "Description"> | Pick<StackInfo, "description">): boolean {
  const description = "Description" in stack ? stack.Description : (stack as StackInfo).description;
  return (description ?? "").startsWith(FILES_STACK_DESCRIPTION);
}

/** The site's NAME-files stack: absent, ours, or a stack of that name that is not ours ("foreign"). */
export async function findFilesStack(
  cloudformation: CloudFormation,
  site: string,
): Promise<{ kind: "absent" } | { kind: "ours"; stack: StackInfo } | { kind: "foreign"; stack: StackInfo }> {
  const stack = await findStack(cloudformation, filesStackName(site));
  if (!stack) return { kind: "absent" };
  return isFilesStack(stack) ? { kind: "ours", stack } : { kind: "foreign", stack };
}

/** The function's security group: the stack's output, else (a stack that failed before its outputs) its resource. */
async function functionSecurityGroup(cloudformation: CloudFormation, stack: StackInfo): Promise<string | undefined> {
  if (stack.outputs.SecurityGroupId) return stack.outputs.SecurityGroupId;
  const resource = (await stackResources(cloudformation, stack.name)).find(
    (r) => r.logicalId === "FunctionSecurityGroup" && r.physicalId && r.status !== "DELETE_COMPLETE",
  );
  return resource?.physicalId;
}

/** Runs long work under a progress line (Output.task: a spinner on a terminal, one plain line when piped). */
export type ProgressRunner = <T>(title: string, work: (update: (text: string) => void) => Promise<T>) => Promise<T>;

export interface RemoveFilesOptions {
  wait: WaitOptions;
  /** The network-interface wait (command, clock, Ctrl-C); its stack and progress are filled in here. */
  interfaces: Omit<NetworkInterfaceWait, "stack" | "onProgress">;
  /** Shows the network-interface wait; without it, the wait is silent. */
  run?: ProgressRunner;
}

/** "2 network interfaces left (3 min)" (pure). */
export function interfacesLeftText(left: number, waitedMs: number): string {
  const minutes = Math.floor(waitedMs / 60_000);
  return `${left === 1 ? "1 network interface" : `${left} network interfaces`} left (${minutes} min)`;
}

/**
 * Deletes the NAME-files stack once the function's network interfaces are gone.
 * Call only after the function has left the VPC (update) or is deleted.
 */
export async function removeFilesStack(
  clients: { cloudformation: CloudFormation; ec2: Ec2 },
  stack: StackInfo,
  options: RemoveFilesOptions,
): Promise<"deleted" | "absent"> {
  const group = await functionSecurityGroup(clients.cloudformation, stack);
  if (group) {
    const run: ProgressRunner = options.run ?? ((_title, work) => work(() => {}));
    await run(`Waiting for Lambda to delete the function's network interfaces in ${stack.name}`, (update) =>
      waitForNetworkInterfacesGone(clients.ec2, group, {
        ...options.interfaces,
        stack: stack.name,
        onProgress: (left, waited) => update(left === 0 ? "none left" : interfacesLeftText(left, waited)),
      }),
    );
  }
  return deleteStackAndWait(clients.cloudformation, stack.name, options.wait);
}
