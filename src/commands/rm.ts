// rm NAME DB: stop serving the live database DB (pushed, or put into incoming/).
// A database of that name deployed by update-stack is served again. DB may also
// be an entry of the live manifest that no instance serves (`ls` lists them):
// rm removes it from the manifest. Asks first on a terminal unless --yes, as
// delete-stack does.
import type { Command } from "commander";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { readDeployedRecord } from "../aws/deployed-record.ts";
import type { Sleep } from "../util/sleep.ts";
import { readLiveManifest } from "../aws/live-manifest.ts";
import { NotLiveError, removeDatabase } from "../aws/live-publish.ts";
import { findLiveSite } from "../aws/live-site.ts";
import { UserError } from "../errors.ts";
import { isDeployed, type DeployedRecord } from "../live/deployed.ts";
import { liveEntries, type LiveManifest } from "../live/manifest.ts";
import { validateSiteName } from "../plan/validate.ts";
import type { ConfirmOptions } from "../shared-options.ts";
import { confirm } from "../ui/confirm.ts";
import { createOutput, type Output } from "../ui/output.ts";
import { reportLiveGarbage } from "../ui/progress.ts";

export interface RmDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3">;
  output: Output;
  /** Asks y/N; throws a UserError naming --yes when there is no terminal to ask on. */
  confirm: (question: string, action: string) => Promise<boolean>;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** Clean-up's minimum age (default 15 min): tests lower it; the CLI never does. */
  garbage?: { minAgeMs?: number };
}

export interface RmResult {
  site: string;
  name: string;
  /** The entry removed (null when cancelled); its fields are null where an entry no instance served lacked them. */
  removed: { key: string | null; sha256: string | null; bytes: number | null; source: string | null } | null;
  /** Why no instance served the entry removed; null when it was served. */
  unservable: string | null;
  /** The database of that name deployed by update-stack is served again. */
  deployedServedAgain: boolean;
  cancelled: boolean;
}

/** Why `name` cannot be removed: deployed by update-stack, or nothing of that name. */
export function notLiveError(site: string, name: string, manifest: LiveManifest, deployed: DeployedRecord | undefined): UserError {
  if (isDeployed(deployed, name)) {
    return new UserError(`${name} on ${site} was deployed by update-stack, not pushed: rm stops serving pushed databases only.`, {
      hint: `To stop serving it, deploy the site again without it: datasette-lambda update-stack ${site} <the other databases>.`,
    });
  }
  const live = Object.keys(manifest.databases).sort();
  return new UserError(`${site} has no live database named ${name}.`, {
    hint:
      live.length > 0
        ? `Live databases: ${live.join(", ")}. datasette-lambda ls ${site} lists everything it serves.`
        : `datasette-lambda ls ${site} lists what it serves.`,
  });
}

export async function runRm(site: string, name: string, options: ConfirmOptions, deps: RmDeps): Promise<RmResult> {
  const { output } = deps;
  validateSiteName(site);
  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const live = await findLiveSite(deps.clients.cloudformation, site, region);
  const [{ manifest }, deployed] = await Promise.all([
    readLiveManifest(deps.clients.s3, live.bucket),
    readDeployedRecord(deps.clients.s3, live.bucket),
  ]);
  if (!Object.hasOwn(manifest.databases, name)) throw notLiveError(site, name, manifest, deployed);
  const unservable = liveEntries(manifest, Object.keys(deployed?.databases ?? {})).problems.find((p) => p.name === name)?.reason ?? null;
  // An entry no instance served hid nothing: a deployed database of its name was served all along.
  const comesBack = unservable === null && isDeployed(deployed, name);

  if (!options.yes) {
    const then = comesBack ? ` The database ${name} deployed by update-stack is served again.` : "";
    const question =
      unservable === null
        ? `Stop serving the live database ${name} on ${site}?${then}`
        : `Remove the entry ${name} (not served: ${unservable}) from the live manifest of ${site}?`;
    if (!(await deps.confirm(question, `remove ${name} from ${site}`))) {
      const result: RmResult = { site, name, removed: null, unservable, deployedServedAgain: false, cancelled: true };
      output.result("Cancelled: nothing was removed.", result);
      return result;
    }
  }

  let removed;
  try {
    removed = await removeDatabase(deps.clients.s3, live.bucket, name, {
      sleep: deps.sleep,
      random: deps.random,
      now: deps.now,
      garbage: deps.garbage,
      onRetry: (attempt) => output.debug(`live/manifest.json changed while we wrote it (attempt ${attempt}); reading it again`),
    });
  } catch (error) {
    // Removed by someone else since we looked.
    if (error instanceof NotLiveError) throw notLiveError(site, name, error.manifest, deployed);
    throw error;
  }
  reportLiveGarbage(output, removed);
  const result: RmResult = {
    site,
    name,
    removed: {
      key: field(removed.removed, "key", "string"),
      sha256: field(removed.removed, "sha256", "string"),
      bytes: field(removed.removed, "bytes", "number"),
      source: field(removed.removed, "source", "string"),
    },
    unservable,
    deployedServedAgain: comesBack,
    cancelled: false,
  };
  const lines =
    unservable === null
      ? [
          `Stopped serving ${name} on ${site}; running instances drop it within ${live.liveCheckSeconds} s of their next request.`,
          ...(comesBack ? [`The database ${name} deployed by update-stack is served again.`] : []),
        ]
      : [`Removed the entry ${name}, which no instance served, from the live manifest of ${site}.`];
  output.result(lines.join("\n"), result);
  return result;
}

/** A field of an entry as read, when it has that type. */
function field<T extends "string" | "number">(entry: unknown, name: string, type: T): (T extends "string" ? string : number) | null {
  const value = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[name] : undefined;
  return typeof value === type ? (value as T extends "string" ? string : number) : null;
}

export async function rm(site: string, name: string, options: ConfirmOptions, _command?: Command): Promise<void> {
  await runRm(site, name, options, {
    clients: createAwsClients(options),
    output: createOutput(options),
    confirm: (question, action) => confirm(question, { action }),
  });
}
