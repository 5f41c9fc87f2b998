// --in-place: the function's network interfaces in the NAME-files VPC. Lambda
// makes them when the function joins the VPC and deletes them some time after it
// leaves (or is deleted), often many minutes later; until they are gone the VPC's
// subnets and security groups cannot be deleted. So the NAME-files stack is deleted
// only once none is left. Only the function's interfaces carry its security group
// (the mount targets' have their own), so that group is what finds them.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { AwsError, InterruptedError } from "../errors.ts";
import { realSleep, sleepUnlessAborted, type Sleep } from "../util/sleep.ts";
import { toAwsError } from "./aws-error.ts";
import type { Ec2 } from "./clients.ts";

/** Lambda's interfaces usually go within minutes, "around 40 minutes" at worst; Terraform's AWS provider waits 45. */
export const NETWORK_INTERFACES_TIMEOUT_MS = 45 * 60_000;
export const NETWORK_INTERFACES_POLL_MS = 15_000;

/** The ids of the network interfaces in this security group. */
export async function networkInterfacesOf(ec2: Ec2, securityGroupId: string): Promise<string[]> {
  try {
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [securityGroupId] }] }),
    );
    return (NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId ?? "").filter((id) => id !== "");
  } catch (error) {
    // The group is gone (deleted by hand, or with its stack): so are its interfaces.
    if ((error as { name?: string }).name === "InvalidGroup.NotFound") return [];
    throw toAwsError(error, `Listing the network interfaces of security group ${securityGroupId}`, securityGroupId);
  }
}

export interface NetworkInterfaceWait {
  /** Told how many are left and for how long we have waited, after each look. */
  onProgress?: (left: number, waitedMs: number) => void;
  pollMs?: number;
  timeoutMs?: number;
  sleep?: Sleep;
  now?: () => number;
  signal?: AbortSignal;
  /** Named in the timeout and interrupt messages: "run update-stack again". */
  command: string;
  /** The stack that is waiting for them (NAME-files). */
  stack: string;
}

/** Waits until no network interface of the security group is left; throws on timeout or Ctrl-C. */
export async function waitForNetworkInterfacesGone(ec2: Ec2, securityGroupId: string, options: NetworkInterfaceWait): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const timeoutMs = options.timeoutMs ?? NETWORK_INTERFACES_TIMEOUT_MS;
  const started = now();
  for (;;) {
    const left = await networkInterfacesOf(ec2, securityGroupId);
    const waited = now() - started;
    options.onProgress?.(left.length, waited);
    if (left.length === 0) return;
    if (waited >= timeoutMs) {
      throw new AwsError(
        `Lambda has not deleted the function's network interfaces (${left.join(", ")}) after ${Math.round(waited / 60_000)} minutes, ` +
          `so stack ${options.stack} cannot be deleted yet`,
        {
          resource: options.stack,
          hint: `Lambda deletes them by itself; run ${options.command} again later to finish (nothing else is left to do).`,
        },
      );
    }
    if ((await sleepUnlessAborted(sleep, options.pollMs ?? NETWORK_INTERFACES_POLL_MS, options.signal)) === "aborted") {
      throw new InterruptedError(
        `Stopped waiting for Lambda to delete the function's network interfaces; stack ${options.stack} is not deleted yet. ` +
          `Run ${options.command} again to finish.`,
      );
    }
  }
}
