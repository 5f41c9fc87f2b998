// delete-stack NAME: everything update-stack made for NAME, in an order that
// always works in one run: the app stack (the function stops using the
// bucket, the distribution its certificate), then the --domain certificate
// stacks in us-east-1 once ACM lets go of them (still held after the wait: a
// warning with the command, the rest goes on), then every object/version/delete
// marker in the bucket,
// then the prerequisite stack (which deletes the now empty bucket), and last,
// when no site's distribution uses it any more, the account's shared CloudFront
// stack. Whatever is already gone is skipped, so a half-deleted site is finished
// off and a deleted one is "nothing to delete".
import type { Command } from "commander";
import { CERTIFICATE_REGION, createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { bucketExists, countObjects, deleteBucket, emptyBucket, type ObjectCount } from "../aws/empty-bucket.ts";
import type { Sleep } from "../util/sleep.ts";
import { bucketOf, findCertificateStacks, findStack, type StackInfo } from "../aws/site.ts";
import { appStackName, SHARED_STACK_NAME } from "../plan/stack-names.ts";
import { retireCertificates, type CertificateWait } from "../deploy/retire-certificates.ts";
import { releaseShared, type SharedRelease } from "../deploy/release-shared.ts";
import { deleteStackAndWait, type WaitOptions } from "../aws/stacks.ts";
import { DeployError, errorMessage, InterruptedError, type StackFailure } from "../errors.ts";
import type { ConfirmOptions } from "../shared-options.ts";
import { confirm } from "../ui/confirm.ts";
import { onInterrupt } from "../ui/interrupt.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { printStackEvents } from "../ui/progress.ts";
import { plural } from "../util/plural.ts";

export interface DeleteStackDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3" | "usEast1Cloudformation" | "cloudfront" | "usEast1Lambda" | "acm">;
  output: Output;
  /** Asks y/N; throws a UserError naming --yes when there is no terminal to ask on. */
  confirm: (question: string, action: string) => Promise<boolean>;
  signal?: AbortSignal;
  sleep?: Sleep;
  pollMs?: number;
  /** How a certificate is waited for before its stack is deleted. */
  certificateWait?: CertificateWait;
}

export interface DeleteStackResult {
  stack: string;
  /** What this run deleted, in order: stack names, s3://bucket, and lambda:NAME for the shared Lambda@Edge function. */
  deleted: string[];
  nothingToDelete: boolean;
  /** The user answered no: nothing was deleted. */
  cancelled?: boolean;
  /** Lambda@Edge functions CloudFront still has replicas of (hours): a later run deletes them. */
  pending?: string[];
}

/** What the shared parts' release adds to the result. */
function sharedOutcome(release: SharedRelease | undefined): { deleted: string[]; pending?: string[] } {
  if (!release) return { deleted: [] };
  const deleted = [...(release.stack.type === "deleted" ? [SHARED_STACK_NAME] : []), ...release.deletedFunctions.map((n) => `lambda:${n}`)];
  return { deleted, ...(release.pendingFunctions.length > 0 ? { pending: release.pendingFunctions } : {}) };
}

function describeDeleted(item: string, objects: number): string {
  if (item.startsWith("s3://")) return `bucket ${item.slice(5)} (${objects} objects and versions emptied)`;
  if (item.startsWith("lambda:")) return `Lambda@Edge function ${item.slice(7)}`;
  return `stack ${item}`;
}

function objectsText(count: ObjectCount | undefined): string {
  if (!count) return "already gone";
  if (count.more) return `more than ${count.count.toLocaleString("en-US")} objects and versions`;
  if (count.count === 0) return "empty";
  return `${plural(count.count, "object")} and versions`;
}

/** What to do about a failed delete, from the resources that failed. */
export function deleteAdvice(failures: StackFailure[], site: string, stack: string, region: string, bucket: string | undefined): string {
  if (bucket && failures.some((failure) => failure.type === "AWS::S3::Bucket")) {
    return `Empty bucket ${bucket} by hand (S3 console: Empty, which removes every version), then run delete-stack ${site} again.`;
  }
  // The stack's own failure event names the stack: it is not a resource to retain.
  const ids = [...new Set(failures.map((failure) => failure.logicalId).filter((id) => id !== "" && id !== stack))];
  return (
    `Fix the cause above, then run delete-stack ${site} again.` +
    (ids.length > 0
      ? ` To leave ${ids.length === 1 ? "that resource" : "those resources"} behind instead: ` +
        `aws cloudformation delete-stack --stack-name ${stack} --retain-resources ${ids.join(" ")} --region ${region}` +
        `, then delete ${ids.length === 1 ? "it" : "them"} yourself.`
      : "")
  );
}

export async function runDeleteStack(name: string, options: ConfirmOptions, deps: DeleteStackDeps): Promise<DeleteStackResult> {
  const { output } = deps;
  const { cloudformation, s3, usEast1Cloudformation } = deps.clients;
  const { region } = await checkAwsAccess(cloudformation);
  const appName = appStackName(name);

  const [app, prereq, certificates] = await Promise.all([
    findStack(cloudformation, appName),
    findStack(cloudformation, name),
    findCertificateStacks(usEast1Cloudformation, name),
  ]);
  let bucket = prereq ? await bucketOf(cloudformation, prereq) : undefined;
  if (bucket && !(await bucketExists(s3, bucket))) {
    output.debug(`Bucket ${bucket} is already gone.`);
    bucket = undefined;
  }

  const wait: WaitOptions = {
    onEvent: printStackEvents(output),
    command: `delete-stack ${name}`,
    signal: deps.signal,
    sleep: deps.sleep,
    pollMs: deps.pollMs,
  };
  if (!app && !prereq && certificates.length === 0) {
    const shared = sharedOutcome(await releaseLeftovers(deps, output, wait, name));
    const result: DeleteStackResult = { stack: name, nothingToDelete: true, ...shared };
    const also =
      shared.deleted.length > 0
        ? ` Deleted what no site uses any more: ${shared.deleted.map((i) => describeDeleted(i, 0)).join(", ")}.`
        : "";
    output.result(`Nothing to delete: no site named ${name} in ${region} (stacks ${name} and ${appName} not found).${also}`, result);
    return result;
  }

  if (!options.yes) {
    const count = bucket ? await countObjects(s3, bucket) : undefined;
    const describe = (stack: StackInfo, what: string) => `  stack ${stack.name} (${stack.status}): ${what}`;
    const lines = [
      `This deletes the site ${name} in ${region}:`,
      ...(app ? [describe(app, "the function, its URL, CloudFront distribution and log group")] : []),
      ...certificates.map((certificate) =>
        describe(certificate, `the certificate for ${certificate.outputs.DomainName ?? "its domain"}, in ${CERTIFICATE_REGION}`),
      ),
      ...(bucket ? [`  bucket ${bucket}: ${objectsText(count)}`] : []),
      ...(prereq ? [describe(prereq, "the bucket")] : []),
    ];
    if (!(await deps.confirm(`${lines.join("\n")}\nDelete it?`, `delete the site ${name}`))) {
      const result: DeleteStackResult = { stack: name, deleted: [], nothingToDelete: false, cancelled: true };
      output.result("Cancelled: nothing was deleted.", result);
      return result;
    }
  }

  const deleted: string[] = [];
  const pending: string[] = [];
  const deleteStep = async (stack: StackInfo, client = cloudformation, stackRegion = region) => {
    output.info(`Deleting stack ${stack.name} (${stack.status})${stackRegion === region ? "" : ` in ${stackRegion}`}...`);
    try {
      await deleteStackAndWait(client, stack.name, wait);
    } catch (error) {
      if (error instanceof DeployError) error.addHint(deleteAdvice(error.reasons, name, stack.name, stackRegion, bucket));
      throw error;
    }
  };
  const empty = async (what: string) => {
    if (!bucket) return 0;
    const { deleted: count } = await output.task(`Emptying bucket ${bucket}${what}`, (update) =>
      emptyBucket(s3, bucket as string, {
        onProgress: (n) => update(`${n} deleted`),
        command: `delete-stack ${name}`,
        signal: deps.signal,
      }),
    );
    return count;
  };

  // The function reads the bucket: it goes first.
  if (app) {
    await deleteStep(app);
    deleted.push(app.name);
  }
  // Only once no distribution uses them (ACM refuses to delete a certificate in use).
  if (certificates.length > 0) {
    const retired = await retireCertificates(deps.clients, name, undefined, output, wait, deps.certificateWait);
    deleted.push(...retired.deleted);
  }
  const objects = await empty("");
  if (prereq) await deleteStep(prereq);
  if (bucket) {
    // Normally the stack took the bucket with it. Some backends (and a Retain
    // policy) leave it behind: it held only this site's artifacts, so finish it.
    if (await bucketExists(s3, bucket)) {
      output.info(`Bucket ${bucket} outlived its stack; deleting it.`);
      await empty(" again");
      await deleteBucket(s3, bucket);
    }
    deleted.push(`s3://${bucket}`);
  }
  if (prereq) deleted.push(prereq.name);
  // Last: the site's distribution is gone, so the shared parts may be unused now.
  if (app?.outputs.DistributionId) {
    const shared = sharedOutcome(await releaseShared(deps.clients, output, wait, `datasette-lambda delete-stack ${name}`));
    deleted.push(...shared.deleted);
    if (shared.pending) pending.push(...shared.pending);
  }

  const result: DeleteStackResult = { stack: name, deleted, nothingToDelete: false, ...(pending.length > 0 ? { pending } : {}) };
  const parts = deleted.map((item) => describeDeleted(item, objects));
  output.result(`Deleted the site ${name} in ${region}: ${parts.join(", ")}.`, result);
  return result;
}

/**
 * Nothing of the site is left: a run after one that left the shared parts
 * behind (another site was deploying, say) finishes them off, quietly. True
 * when it deleted the shared stack.
 */
async function releaseLeftovers(
  deps: DeleteStackDeps,
  output: Output,
  wait: WaitOptions,
  site: string,
): Promise<SharedRelease | undefined> {
  const quiet = (message: string) => output.debug(message);
  const out = { info: quiet, debug: quiet, warn: (message: string) => output.warn(message) };
  try {
    return await releaseShared(deps.clients, out, wait, `datasette-lambda delete-stack ${site}`);
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    output.debug(`Shared CloudFront stack not checked: ${errorMessage(error)}`);
    return undefined;
  }
}

/** The commander action: real clients and terminal, Ctrl-C stops waiting (exit 130, rerun to finish). */
export async function deleteStack(name: string, options: ConfirmOptions, _command: Command): Promise<void> {
  const output = createOutput(options);
  const interrupt = onInterrupt();
  try {
    await runDeleteStack(name, options, {
      clients: createAwsClients(options),
      output,
      confirm: (question, action) => confirm(question, { action }),
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
}
