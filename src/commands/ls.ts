// ls NAME: what the site serves (live databases pushed to it, and those
// deployed by update-stack), the files that failed to convert, with why, and
// those left waiting in incoming/, and the scheduled imports with their last run.
import type { Command } from "commander";
import { createAwsClients, type AwsClients } from "../aws/clients.ts";
import { checkAwsAccess } from "../aws/credentials.ts";
import { readDeployedRecord } from "../aws/deployed-record.ts";
import { listIncoming } from "../aws/incoming.ts";
import { readLiveManifest } from "../aws/live-manifest.ts";
import { liveObjectSizes } from "../aws/live-objects.ts";
import { findLiveSite } from "../aws/live-site.ts";
import { listSchedules } from "../aws/schedules.ts";
import { buildListing, type Listing } from "../live/listing.ts";
import { liveEntries } from "../live/manifest.ts";
import { waitingFiles } from "../live/waiting.ts";
import { validateSiteName } from "../plan/validate.ts";
import type { SharedOptions } from "../shared-options.ts";
import { renderListing } from "../ui/listing.ts";
import { createOutput, type Output } from "../ui/output.ts";

export interface LsDeps {
  clients: Pick<AwsClients, "cloudformation" | "s3" | "scheduler">;
  output: Output;
  /** The clock that ages files in incoming/ (epoch ms). */
  now?: () => number;
}

export async function runLs(name: string, _options: SharedOptions, deps: LsDeps): Promise<Listing> {
  validateSiteName(name);
  const { region } = await checkAwsAccess(deps.clients.cloudformation);
  const site = await findLiveSite(deps.clients.cloudformation, name, region);
  const [{ manifest }, deployed, incoming, imports] = await Promise.all([
    readLiveManifest(deps.clients.s3, site.bucket),
    readDeployedRecord(deps.clients.s3, site.bucket),
    listIncoming(deps.clients.s3, site.bucket),
    site.scheduling ? listSchedules(deps.clients.scheduler, deps.clients.s3, site.scheduling.group, site.bucket) : [],
  ]);
  const keys = Object.values(liveEntries(manifest, Object.keys(deployed?.databases ?? {})).databases).map((entry) => entry.key);
  const objects = await liveObjectSizes(deps.clients.s3, site.bucket, keys);
  const listing = buildListing(
    name,
    site.url,
    manifest,
    deployed,
    waitingFiles(incoming, (deps.now ?? Date.now)()),
    site.tmpBytes,
    imports,
    objects,
  );
  if (!listing.deployedKnown) {
    deps.output.info(
      `Databases deployed by update-stack are not listed: the site has no live/deployed.json yet (the next update-stack writes it).`,
    );
  }
  deps.output.result(renderListing(listing), listing);
  return listing;
}

export async function ls(name: string, options: SharedOptions, _command?: Command): Promise<void> {
  await runLs(name, options, { clients: createAwsClients(options), output: createOutput(options) });
}
