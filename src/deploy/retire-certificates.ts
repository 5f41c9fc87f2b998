// Certificate stacks a site no longer uses (an earlier --domain, or none any
// more), after its app stack stopped using them: deleted once ACM no longer
// counts the certificate in use. ACM lags behind CloudFront, by seconds to many
// minutes, and refuses to delete a certificate it counts in use; CloudFormation
// then leaves the stack DELETE_FAILED. A certificate still in use after the
// wait, or a deletion that fails, is a warning naming the stack and the command
// to run: the deploy (or delete) has succeeded, and a certificate costs nothing.
import { DeployError, InterruptedError } from "../errors.ts";
import { certificateUsers, type Acm } from "../aws/certificates.ts";
import { CERTIFICATE_REGION, type AwsClients } from "../aws/clients.ts";
import { findCertificateStacks, type StackInfo } from "../aws/site.ts";
import { deleteStackAndWait, type WaitOptions } from "../aws/stacks.ts";
import { realSleep, type Sleep } from "../util/sleep.ts";

export type RetireClients = Pick<AwsClients, "usEast1Cloudformation" | "acm">;

export interface CertificateWait {
  /** How often ACM is asked; default 15 s. */
  pollMs?: number;
  /** How long a certificate may stay in use before it is left for later; default 5 minutes. */
  maxWaitMs?: number;
  sleep?: Sleep;
}

export interface Retired {
  /** Certificate stacks deleted. */
  deleted: string[];
  /** Certificate stacks left for a later run (warned about). */
  left: string[];
}

export const CERTIFICATE_POLL_MS = 15_000;
export const CERTIFICATE_MAX_WAIT_MS = 5 * 60_000;

export function leftCertificateWarning(stack: string, site: string, why: string): string {
  return (
    `The old certificate (stack ${stack}, ${CERTIFICATE_REGION}) ${why}; it costs nothing. ` +
    `The next update-stack or delete-stack of ${site} deletes it, or now: ` +
    `aws cloudformation delete-stack --stack-name ${stack} --region ${CERTIFICATE_REGION}`
  );
}

/** True once ACM says nothing uses the certificate (or it is gone); false if it still does after the wait. */
export async function waitUntilUnused(acm: Acm, arn: string, wait: CertificateWait, signal?: AbortSignal): Promise<boolean> {
  const pollMs = wait.pollMs ?? CERTIFICATE_POLL_MS;
  const polls = Math.max(1, Math.ceil((wait.maxWaitMs ?? CERTIFICATE_MAX_WAIT_MS) / pollMs));
  for (let poll = 0; ; poll++) {
    const users = await certificateUsers(acm, arn);
    if (users === "gone" || users.length === 0) return true;
    if (poll >= polls) return false;
    await (wait.sleep ?? realSleep)(pollMs, signal);
  }
}

/**
 * Deletes every certificate stack of `site` but `keep` (the one the app stack
 * uses now; undefined: all of them).
 */
export async function retireCertificates(
  clients: RetireClients,
  site: string,
  keep: string | undefined,
  out: { info: (message: string) => void; warn: (message: string) => void },
  waitOptions: WaitOptions,
  certificateWait: CertificateWait = {},
): Promise<Retired> {
  const stacks = (await findCertificateStacks(clients.usEast1Cloudformation, site)).filter((stack) => stack.name !== keep);
  const retired: Retired = { deleted: [], left: [] };
  for (const stack of stacks) {
    const outcome = await retire(clients, stack, out, waitOptions, certificateWait);
    if (outcome === "deleted") retired.deleted.push(stack.name);
    else {
      out.warn(leftCertificateWarning(stack.name, site, outcome));
      retired.left.push(stack.name);
    }
  }
  return retired;
}

/** "deleted", or why the stack was left. */
async function retire(
  clients: RetireClients,
  stack: StackInfo,
  out: { info: (message: string) => void },
  waitOptions: WaitOptions,
  certificateWait: CertificateWait,
): Promise<string> {
  const arn = stack.outputs.CertificateArn;
  if (arn) {
    out.info(`Waiting for ACM to let go of the certificate of ${stack.outputs.DomainName ?? stack.name} (${CERTIFICATE_REGION})...`);
    const wait = { sleep: certificateWait.sleep ?? waitOptions.sleep, ...certificateWait };
    if (!(await waitUntilUnused(clients.acm, arn, wait, waitOptions.signal))) return "is still counted as in use by CloudFront";
  }
  out.info(`Deleting the certificate stack ${stack.name} (${CERTIFICATE_REGION}): no distribution uses it any more.`);
  try {
    await deleteStackAndWait(clients.usEast1Cloudformation, stack.name, waitOptions);
    return "deleted";
  } catch (error) {
    if (error instanceof InterruptedError || !(error instanceof DeployError)) throw error;
    return `could not be deleted (${error.message})`;
  }
}
