// update-stack NAME FILES...: build the site, then write it out (--dry-run) or deploy it.
import type { Command } from "commander";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAwsAccess } from "../aws/credentials.ts";
import { buildSite } from "../artifacts/build.ts";
import { checkEncoding } from "../artifacts/check-encoding.ts";
import { checkOutDirectory, writeDryRun, type DryRunSummary } from "../artifacts/dry-run.ts";
import type { deploySite, DeployDeps, DeployResult } from "../deploy/deploy-site.ts";
import { checkFilesGiven, checkOptions } from "../plan/plan.ts";
import type { UpdateStackOptions } from "../plan/update-stack-options.ts";
import { checkEnvironmentSize, parsePluginSecrets, pluginSecretsFromEnv, pluginSecretsParameter } from "../plan/plugin-secrets.ts";
import { givenSecret } from "../plan/secret.ts";
import { checkSnapStartRegion } from "../plan/snapstart-regions.ts";
import { checkAssetDirectories } from "../inputs/asset-directories.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { onInterrupt } from "../ui/interrupt.ts";

/** The site's address with --prefix applied: Datasette serves it under /PREFIX/. */
export function withPrefix(url: string, prefix: string | null): string {
  if (!prefix) return url;
  return `${url.endsWith("/") ? url : `${url}/`}${prefix}/`;
}

function renderDryRun(out: Output, summary: DryRunSummary): void {
  const s3 = summary.inPlace === "off" ? "in S3" : `in S3, read in place (${summary.inPlace})`;
  const lines = [
    `Dry run: wrote ${summary.out}`,
    ...summary.artifacts.map((a) => `  ${a.key}  ${(a.bytes / 1024 / 1024).toFixed(1)} MB`),
    ...summary.databases.map(
      (db) => `  database ${db.name}: ${db.inline ? "in the package" : s3}${db.dataAsOf ? `, data as of ${db.dataAsOf}` : ""}`,
    ),
  ];
  out.result(lines.join("\n"), summary);
}

export function renderDeploy(out: Output, result: DeployResult, prefix: string | null): void {
  const url = withPrefix(result.url, prefix);
  const functionUrl = withPrefix(result.functionUrl, prefix);
  const changed = result.type !== "no-op";
  if (!changed) out.info("No changes: the site is up to date.");
  const { files, bytes } = result.uploaded;
  if (functionUrl !== url) out.info(`Function URL: ${functionUrl}`);
  out.result(url, {
    stack: result.stack,
    url,
    functionUrl,
    changed,
    uploaded: { files, bytes },
  });
}

/** The secrets a deploy sends as NoEcho parameters, from flags and the environment. Never printed. */
interface SiteSecrets {
  secret?: string;
  pluginSecrets?: string;
}

function siteSecrets(options: UpdateStackOptions, env: NodeJS.ProcessEnv): SiteSecrets {
  const secret = givenSecret(options.secret, env);
  const pluginSecrets = pluginSecretsParameter(parsePluginSecrets(options.pluginSecret).values);
  checkEnvironmentSize(pluginSecrets, secret === undefined ? undefined : Buffer.byteLength(secret));
  return { ...(secret !== undefined ? { secret } : {}), ...(pluginSecrets !== undefined ? { pluginSecrets } : {}) };
}

export interface UpdateStackDeps {
  output: Output;
  env: NodeJS.ProcessEnv;
  /** The AWS clients; a dry run never uses them. */
  clients: () => DeployDeps["clients"] | Promise<DeployDeps["clients"]>;
  build: typeof buildSite;
  deploy: typeof deploySite;
  /** --encoding is any encoding Python knows: asked of the host's Python (default: artifacts/check-encoding.ts). */
  checkEncoding?: typeof checkEncoding;
  signal?: AbortSignal;
  /** Clean-up's minimum age (default 15 min): tests lower it; the CLI never does. */
  garbage?: DeployDeps["garbage"];
}

export type UpdateStackResult = { type: "dry-run"; summary: DryRunSummary } | { type: "deploy"; result: DeployResult };

/**
 * update-stack's core: every check that needs no build (flags, files given,
 * asset directories, --out, region and credentials) before the build, then
 * the dry run or the deploy, rendered.
 */
export async function runUpdateStack(
  name: string,
  files: string[],
  options: UpdateStackOptions,
  deps: UpdateStackDeps,
): Promise<UpdateStackResult> {
  const { output: out, env } = deps;
  // --plugin-secret values may also come from the environment, off the command line.
  const fromEnv = pluginSecretsFromEnv(env);
  if (fromEnv.length > 0) options = { ...options, pluginSecret: [...(options.pluginSecret ?? []), ...fromEnv] };
  const checked = checkOptions(name, options);
  checkFilesGiven(name, files);
  if (checked.convert.encoding !== null) await (deps.checkEncoding ?? checkEncoding)(checked.convert.encoding, env);
  const secrets = siteSecrets(options, env);
  await checkAssetDirectories(checked.assets);
  let deploy: { clients: DeployDeps["clients"]; region: string } | undefined;
  if (checked.dryRun) {
    await checkOutDirectory(checked.outDir);
  } else {
    // Region and credentials before the (possibly long) build, not after it.
    const clients = await deps.clients();
    deploy = { clients, region: (await checkAwsAccess(clients.cloudformation)).region };
    checkSnapStartRegion(checked.snapstart, deploy.region);
  }

  // Converted data files live here until they are written out or uploaded.
  const workDir = await mkdtemp(join(tmpdir(), "datasette-lambda-convert-"));
  try {
    const build = await deps.build(checked, files, { out, env, workDir });
    if (!deploy) {
      if (Object.keys(secrets).length > 0) {
        out.info(
          "Secrets (--secret, --plugin-secret values) are not written to --out: " +
            "a deploy sends them to CloudFormation only, as NoEcho parameters.",
        );
      }
      const summary = await writeDryRun(build, checked.outDir);
      renderDryRun(out, summary);
      return { type: "dry-run", summary };
    }
    const result = await deps.deploy(build, { ...deploy, out, signal: deps.signal, garbage: deps.garbage, ...secrets });
    renderDeploy(out, result, checked.prefix);
    return { type: "deploy", result };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The commander action: real clients (made only for a deploy), Ctrl-C stops cleanly. The AWS SDK and the deploy are
 * loaded only for a deploy: a dry run, or a flag refused, starts without them (a quarter of a second less).
 */
export async function updateStack(name: string, files: string[], options: UpdateStackOptions, _command?: Command): Promise<void> {
  const interrupt = onInterrupt({ notice: "Interrupted: stopping cleanly (Ctrl-C again to quit at once)..." });
  try {
    await runUpdateStack(name, files, options, {
      output: createOutput(options),
      env: process.env,
      clients: async () => (await import("../aws/clients.ts")).createAwsClients(options),
      build: buildSite,
      deploy: async (...args) => (await import("../deploy/deploy-site.ts")).deploySite(...args),
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
}
