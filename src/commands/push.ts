// push NAME FILE...: convert and check the files here (errors before anything
// is uploaded), publish them as live databases of the site (docs/live-data.md),
// then wait until the site serves them, and print their URLs.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { readDeployedRecord } from "../aws/deployed-record.ts";
import type { Sleep } from "../util/sleep.ts";
import { publishDatabases, type PublishItem, type PublishResult } from "../aws/live-publish.ts";
import { findLiveSite, type LiveSite } from "../aws/live-site.ts";
import { DatasetteLambdaError, errorMessage, InterruptedError, UserError } from "../errors.ts";
import type { ConvertedDatabase } from "../artifacts/convert.ts";
import { pushFiles, type ConvertDataFiles } from "../artifacts/push-files.ts";
import { isDeployed, type DeployedRecord } from "../live/deployed.ts";
import { databaseUrl } from "../live/listing.ts";
import { dataAsOfFromSources } from "../plan/data-as-of.ts";
import { checkDistinctNames, validateLiveName } from "../database-names.ts";
import { waitUntilServed, WAIT_TIMEOUT_MS, type WaitOutcome } from "../live/wait-served.ts";
import { validateSiteName } from "../plan/validate.ts";
import type { SharedOptions } from "../shared-options.ts";
import { onInterrupt } from "../ui/interrupt.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { formatBytes, reportLiveGarbage } from "../ui/progress.ts";
import { plural } from "../util/plural.ts";

export interface PushOptions extends SharedOptions {
  into?: string;
  pk?: string;
  /** commander's --no-wait sets false. */
  wait?: boolean;
  /** Poll this address (the site's, with its prefix) instead of the site's own. */
  url?: string;
}

export interface PushDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3">;
  output: Output;
  convert: ConvertDataFiles;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
  signal?: AbortSignal;
  waitTimeoutMs?: number;
  pollMs?: number;
  partSize?: number;
  /** Clean-up's minimum age (default 15 min): tests lower it; the CLI never does. */
  garbage?: { minAgeMs?: number };
}

export type WaitResult = "served" | "skipped" | "timed-out";

export interface PushedDatabase {
  name: string;
  url: string;
  key: string;
  sha256: string;
  bytes: number;
  tables: Record<string, { count: number }>;
  dataAsOf: string | null;
  source: string | null;
  /** False when the site already served these bytes under this name. */
  changed: boolean;
  /** A database of this name deployed by update-stack is hidden while this one is live. */
  replacesDeployed: boolean;
}

export interface PushResult {
  site: string;
  url: string;
  databases: PushedDatabase[];
  uploaded: { files: number; bytes: number };
  wait: WaitResult;
}

/** Bad flags fail before any AWS call or conversion. */
export function checkPushOptions(files: string[], options: PushOptions): { url: URL | undefined } {
  if (files.length === 0) throw new UserError("push needs at least one file", { hint: "e.g. datasette-lambda push mysite data.db" });
  if (options.into !== undefined) validateLiveName(options.into, { flag: "--into" });
  if (options.url === undefined) return { url: undefined };
  if (options.wait === false) {
    throw new UserError("--url says where push waits for the site, and --no-wait skips the wait", { hint: "Drop one of them." });
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new UserError(`--url "${options.url}" is not a URL`, { hint: "Give the site's address, e.g. --url http://127.0.0.1:8001/" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserError(`--url "${options.url}" is not an http(s) address`, { hint: "e.g. --url http://127.0.0.1:8001/" });
  }
  return { url };
}

/** Names checked against the name rule, and no two alike (whatever converter made them). */
export function checkConverted(databases: ConvertedDatabase[]): void {
  for (const db of databases) validateLiveName(db.name, { file: sourceNames(db) });
  checkDistinctNames(
    databases.map((db) => ({ name: db.name, from: sourceNames(db) })),
    "Rename one of the files, or put them into one database with --into NAME.",
  );
}

function sourceNames(db: ConvertedDatabase): string {
  return db.sources.map((source) => basename(source)).join(", ");
}

/** The newest modification time of a database's sources: its data as of. */
async function dataAsOf(sources: string[]): Promise<string | undefined> {
  const times = await Promise.all(
    sources.map((source) =>
      stat(source).then(
        (info) => info.mtimeMs,
        () => undefined,
      ),
    ),
  );
  const known = times.filter((time): time is number => time !== undefined);
  return known.length > 0 ? dataAsOfFromSources(known) : undefined;
}

async function publish(deps: PushDeps, site: LiveSite, items: PublishItem[], deployed: DeployedRecord | undefined): Promise<PublishResult> {
  const { output } = deps;
  const changedBytes = items.reduce((sum, item) => sum + item.bytes, 0);
  const published: string[] = [];
  try {
    return await output.task(`Publishing ${plural(items.length, "database")} (${formatBytes(changedBytes)}) to ${site.name}`, (update) =>
      publishDatabases(deps.clients.s3, site.bucket, items, {
        signal: deps.signal,
        partSize: deps.partSize,
        sleep: deps.sleep,
        random: deps.random,
        now: deps.now,
        garbage: deps.garbage,
        deployed: Object.keys(deployed?.databases ?? {}),
        onProgress: (p) => update(`${p.key.split("/").at(-1)} ${formatBytes(p.sent)} of ${formatBytes(p.total)}`),
        onPublished: (name) => {
          published.push(name);
          update(`${name} published`);
        },
        onRetry: (attempt) => output.debug(`live/manifest.json changed while we wrote it (attempt ${attempt}); reading it again`),
      }),
    );
  } catch (error) {
    const done =
      published.length > 0
        ? `${published.join(", ")} ${published.length === 1 ? "is" : "are"} published; the rest is not.`
        : "nothing was published.";
    if (error instanceof InterruptedError)
      throw new InterruptedError(`Interrupted during upload: ${done} Run push again to finish.`, { cause: error });
    // Half a publish: say which half, on the error as thrown (its class and fields stay).
    if (published.length > 0 && error instanceof DatasetteLambdaError) error.addHint(done);
    throw error;
  }
}

function reportPublished(output: Output, site: LiveSite, result: PublishResult, deployed: DeployedRecord | undefined): void {
  for (const db of result.published) {
    if (!db.changed) output.info(`${db.name}: the site already serves these bytes; nothing to upload.`);
    if (isDeployed(deployed, db.name)) {
      output.info(
        `${db.name} replaces the database of that name deployed by update-stack while it is live ` +
          `(rm ${site.name} ${db.name} brings that one back).`,
      );
    }
  }
  reportLiveGarbage(output, result);
}

async function waitForSite(deps: PushDeps, site: LiveSite, base: string, expected: Record<string, string>): Promise<WaitResult> {
  const { output } = deps;
  const catchUp = `running instances pick it up within ${site.liveCheckSeconds} s of their next request`;
  if (site.liveCheckSeconds === 0) {
    output.warn(
      `Live data is off for ${site.name} (its LiveCheckSeconds is 0): ` +
        "it is published, but the site will not serve it until that is changed.",
    );
    return "skipped";
  }
  const timeoutMs = deps.waitTimeoutMs ?? WAIT_TIMEOUT_MS;
  const outcome: WaitOutcome = await output.task(`Waiting for ${base} to serve it`, (update) =>
    waitUntilServed(base, expected, {
      fetch: deps.fetch,
      sleep: deps.sleep,
      now: deps.now,
      signal: deps.signal,
      timeoutMs,
      pollMs: deps.pollMs,
      onProgress: (p) => update(`${p.served}/${p.total} served, ${Math.round(p.elapsedMs / 1000)} s${p.problem ? ` (${p.problem})` : ""}`),
    }),
  );
  switch (outcome.kind) {
    case "served":
      output.info(`Served after ${Math.round(outcome.elapsedMs / 1000)} s (other ${catchUp}).`);
      return "served";
    case "timed-out":
      output.warn(
        `${base} did not serve ${outcome.pending.join(", ")} within ${Math.round(timeoutMs / 1000)} s` +
          `${outcome.lastProblem ? ` (last answer: ${outcome.lastProblem})` : ""}. ` +
          `It is published: ${catchUp}; see datasette-lambda ls ${site.name}.`,
      );
      return "timed-out";
    case "interrupted":
      throw new InterruptedError(`Stopped waiting. The data is published: ${catchUp}.`);
  }
}

export async function runPush(name: string, files: string[], options: PushOptions, deps: PushDeps): Promise<PushResult> {
  const { output } = deps;
  validateSiteName(name);
  const { url: pollUrl } = checkPushOptions(files, options);
  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const site = await findLiveSite(deps.clients.cloudformation, name, region);

  const workDir = await mkdtemp(join(tmpdir(), "datasette-lambda-push-"));
  try {
    const converted = await output.task(`Converting and checking ${plural(files.length, "file")}`, () =>
      deps.convert(files, { into: options.into, pk: options.pk, workDir, env: deps.env ?? process.env }),
    );
    checkConverted(converted);
    const items: PublishItem[] = [];
    for (const db of converted) {
      output.debug(`${db.name}: ${db.path} (${formatBytes(db.bytes)}, sha256 ${db.sha256.slice(0, 12)})`);
      items.push({
        name: db.name,
        path: db.path,
        bytes: db.bytes,
        sha256: db.sha256,
        tables: db.tables,
        dataAsOf: await dataAsOf(db.sources),
        sources: db.sources.map((source) => basename(source)),
        nameFrom: options.into !== undefined ? { flag: "--into" } : { file: sourceNames(db) },
      });
    }

    const deployed = await readDeployedRecord(deps.clients.s3, site.bucket).catch((error: unknown) => {
      output.debug(`could not read live/deployed.json: ${errorMessage(error)}`);
      return undefined;
    });
    const published = await publish(deps, site, items, deployed);
    reportPublished(output, site, published, deployed);

    const expected = Object.fromEntries(published.published.map((db) => [db.name, db.entry.sha256]));
    const wait = options.wait === false ? "skipped" : await waitForSite(deps, site, pollUrl?.toString() ?? site.url, expected);
    const result: PushResult = {
      site: name,
      url: site.url,
      databases: published.published.map((db) => ({
        name: db.name,
        url: databaseUrl(site.url, db.name),
        key: db.entry.key,
        sha256: db.entry.sha256,
        bytes: db.entry.bytes,
        tables: db.entry.tables,
        dataAsOf: db.entry.dataAsOf ?? null,
        source: db.entry.source ?? null,
        changed: db.changed,
        replacesDeployed: isDeployed(deployed, db.name),
      })),
      uploaded: published.uploaded,
      wait,
    };
    output.result(result.databases.map((db) => db.url).join("\n"), result);
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The commander action: real clients, the converter of this build, Ctrl-C stops uploads or the wait. */
export async function push(name: string, files: string[], options: PushOptions, _command?: Command): Promise<void> {
  const output = createOutput(options);
  const interrupt = onInterrupt();
  try {
    await runPush(name, files, options, {
      clients: createAwsClients(options),
      output,
      convert: pushFiles,
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
}
