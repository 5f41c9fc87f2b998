// update-stack NAME FILES...: build the site, then write it out (--dry-run) or deploy it.
import type { Command } from "commander";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { garbageOptionsFromEnv } from "../aws/garbage-env.ts";
import { buildSite } from "../build/build.ts";
import { checkOutDirectory, writeDryRun, type DryRunSummary } from "../build/dry-run.ts";
import { deploySite, type DeployResult } from "../deploy/deploy-site.ts";
import { checkOptions, type UpdateStackOptions } from "../plan/plan.ts";
import { checkEnvironmentSize, parsePluginSecrets, pluginSecretsFromEnv, pluginSecretsParameter } from "../plan/plugin-secrets.ts";
import { givenSecret } from "../plan/secret.ts";
import { checkAssetDirectories } from "../inputs/asset-directories.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { onInterrupt } from "../ui/interrupt.ts";

/** The site's address with --prefix applied: Datasette serves it under /PREFIX/. */
export function withPrefix(url: string, prefix: string | null): string {
  if (!prefix) return url;
  return `${url.endsWith("/") ? url : `${url}/`}${prefix}/`;
}

function renderDryRun(out: Output, summary: DryRunSummary): void {
  const lines = [
    `Dry run: wrote ${summary.out}`,
    ...summary.artifacts.map((a) => `  ${a.key}  ${(a.bytes / 1024 / 1024).toFixed(1)} MB`),
    ...summary.databases.map((db) => `  database ${db.name}: ${db.inline ? "in the package" : "in S3"}${db.dataAsOf ? `, data as of ${db.dataAsOf}` : ""}`),
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

// Moved to src/aws/garbage-env.ts (push and rm read it too); re-exported for its tests.
export { garbageOptionsFromEnv };

export async function updateStack(name: string, files: string[], options: UpdateStackOptions, _command?: Command): Promise<void> {
  const out = createOutput(options);
  // --plugin-secret values may also come from the environment, off the command line.
  const fromEnv = pluginSecretsFromEnv(process.env);
  if (fromEnv.length > 0) options = { ...options, pluginSecret: [...(options.pluginSecret ?? []), ...fromEnv] };
  const checked = checkOptions(name, options); // fail on bad flags before any slow work
  await checkAssetDirectories(checked.assets);
  const secret = givenSecret(options.secret, process.env);
  const pluginSecrets = pluginSecretsParameter(parsePluginSecrets(options.pluginSecret).values);
  checkEnvironmentSize(pluginSecrets, secret === undefined ? undefined : Buffer.byteLength(secret));
  const garbage = garbageOptionsFromEnv(process.env);
  const outDir = options.out ?? "datasette-lambda-out";
  if (options.dryRun) await checkOutDirectory(outDir);
  // Check region and credentials before the (possibly long) build, not after it.
  const clients = options.dryRun ? undefined : createAwsClients(options);
  if (clients) await checkAwsAccess(clients.cloudformation);
  const interrupt = onInterrupt({ notice: "Interrupted: stopping cleanly (Ctrl-C again to quit at once)..." });
  // Converted data files live here until they are written out or uploaded.
  const workDir = await mkdtemp(join(tmpdir(), "datasette-lambda-convert-"));
  try {
    const build = await buildSite(name, files, options, { out, workDir });
    if (options.dryRun) {
      if (secret !== undefined || pluginSecrets !== undefined) {
        out.info("Secrets (--secret, --plugin-secret values) are not written to --out: a deploy sends them to CloudFormation only, as NoEcho parameters.");
      }
      renderDryRun(out, await writeDryRun(build, outDir));
      return;
    }
    const result = await deploySite(build, { clients: clients!, out, signal: interrupt.signal, garbage, ...(secret !== undefined ? { secret } : {}), ...(pluginSecrets !== undefined ? { pluginSecrets } : {}) });
    renderDeploy(out, result, checked.prefix);
  } finally {
    interrupt.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}
