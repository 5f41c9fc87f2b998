// --dry-run --out DIR: write everything a deployment would send to AWS.
// Written into a sibling temp directory and renamed into place at the end,
// so a failure never leaves DIR half-written.
import { constants } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { NO_DOMAIN, NO_SHARED, SHARED_OUTPUTS } from "../plan/app-parameters.ts";
import { sharedStackParameters } from "../plan/shared-parameters.ts";
import { certificateStackName, SHARED_STACK_NAME } from "../plan/stack-names.ts";
import type { BuildResult } from "../plan/types.ts";
import { readTemplate } from "../templates.ts";

export interface DryRunSummary {
  stack: string;
  out: string;
  artifacts: Array<{ key: string; bytes: number; sha256: string }>;
  databases: Array<{ name: string; inline: boolean; dataAsOf?: string }>;
}

const MARKER_FILES = ["app.yaml", "parameters.json", "prereq.yaml"];

/** DIR must be new, empty, or an earlier dry run's output (which is replaced). Checked before building. */
export async function checkOutDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new UserError(`--out ${dir} exists and is not a directory`, { hint: "Choose a new directory for --out." });
  const names = await readdir(dir);
  if (names.length > 0 && !MARKER_FILES.every((name) => names.includes(name))) {
    throw new UserError(`--out ${dir} is not empty and not an earlier dry run's output`, {
      hint: "Choose a new or empty directory for --out; an earlier dry run's output is replaced.",
    });
  }
}

/** The app stack parameters as the AWS CLI's --parameters file takes them. */
export function parametersFile(build: BuildResult): Array<{ ParameterKey: string; ParameterValue: string }> {
  const { stackName, domain } = build.plan;
  const domainValues = domain
    ? {
        HostedZoneId: `<Route 53 hosted zone that owns ${domain}>`,
        CertificateArn: `<output CertificateArn of stack ${certificateStackName(stackName, domain)} in us-east-1>`,
      }
    : NO_DOMAIN;
  const sharedValues = build.plan.cdn
    ? Object.fromEntries(
        Object.entries(SHARED_OUTPUTS).map(([parameter, output]) => [
          parameter,
          `<output ${output} of stack ${SHARED_STACK_NAME} in us-east-1>`,
        ]),
      )
    : NO_SHARED;
  const values: Record<string, string> = {
    BucketName: `<output BucketName of stack ${stackName}>`,
    ...domainValues,
    ...sharedValues,
    ...build.appParameters,
  };
  return awsCliParameters(values);
}

/** Parameters as the AWS CLI's --parameters file takes them, sorted by key. */
export function awsCliParameters(values: Record<string, string>): Array<{ ParameterKey: string; ParameterValue: string }> {
  return Object.keys(values)
    .sort()
    .map((key) => ({ ParameterKey: key, ParameterValue: values[key]! }));
}

export function dryRunSummary(build: BuildResult, out: string): DryRunSummary {
  return {
    stack: build.plan.stackName,
    out,
    artifacts: build.artifacts.map(({ key, bytes, sha256 }) => ({ key, bytes, sha256 })),
    databases: build.plan.databases.map((db) => ({
      name: db.name,
      inline: db.location === "inline",
      ...(db.dataAsOf ? { dataAsOf: db.dataAsOf } : {}),
    })),
  };
}

export async function writeDryRun(build: BuildResult, dir: string): Promise<DryRunSummary> {
  const target = resolve(dir);
  await checkOutDirectory(target);
  await mkdir(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    await mkdir(staging);
    await writeFile(join(staging, "prereq.yaml"), build.prereqTemplate);
    await writeFile(join(staging, "app.yaml"), build.appTemplate);
    // --domain: the us-east-1 stack deployed first, with DomainName and HostedZoneId.
    if (build.plan.domain) await writeFile(join(staging, "certificate.yaml"), await readTemplate("certificate"));
    // CloudFront: the account's shared stack (us-east-1), deployed before the bucket's.
    if (build.plan.cdn) {
      await writeFile(join(staging, "shared.yaml"), await readTemplate("shared"));
      await writeFile(join(staging, "shared-parameters.json"), `${JSON.stringify(awsCliParameters(sharedStackParameters()), null, 2)}\n`);
    }
    // DatasetteSecret is generated at the first real deploy and never written out.
    await writeFile(join(staging, "parameters.json"), `${JSON.stringify(parametersFile(build), null, 2)}\n`);
    await writeFile(join(staging, "prereq-parameters.json"), `${JSON.stringify(awsCliParameters(build.prereqParameters), null, 2)}\n`);
    for (const artifact of build.artifacts) {
      const destination = join(staging, "artifacts", ...artifact.key.split("/"));
      await mkdir(dirname(destination), { recursive: true });
      await copyFile(artifact.path, destination, constants.COPYFILE_FICLONE);
    }
    const previous = `${target}.previous-${process.pid}`;
    const hadPrevious = await stat(target).then(
      () => true,
      () => false,
    );
    if (hadPrevious) await rename(target, previous);
    await rename(staging, target);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return dryRunSummary(build, target);
}
