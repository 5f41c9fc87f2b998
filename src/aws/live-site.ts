// The parts of a site that push, ls and rm need, from its two stacks: the
// bucket (stack NAME), the site's address and --prefix, its live-check
// interval and the size of its function's /tmp (stack NAME-lambda).
import { UserError } from "../errors.ts";
import { MB } from "../plan/limits.ts";
import { appStackName } from "../plan/stack-names.ts";
import type { CloudFormation } from "./clients.ts";
import { bucketOf, findStack, missingSiteError } from "./site.ts";
import { describeStack, stackOutputs, stackParameters } from "./stacks.ts";

export interface LiveSite {
  name: string;
  bucket: string;
  /** The site's address with --prefix applied, ending in "/". */
  url: string;
  /** How often each instance checks the manifest; 0: live data off. */
  liveCheckSeconds: number;
  /** The function's /tmp (its EphemeralStorageSize) in bytes; undefined when the stack does not say. */
  tmpBytes: number | undefined;
}

/** "https://x.net/" + "/a/b" -> "https://x.net/a/b/". */
export function siteAddress(siteUrl: string, pathPrefix: string | undefined): string {
  const base = siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`;
  const prefix = (pathPrefix ?? "").replace(/^\/+|\/+$/g, "");
  return prefix ? `${base}${prefix}/` : base;
}

export async function findLiveSite(cloudformation: CloudFormation, site: string, region: string | undefined): Promise<LiveSite> {
  const app = await describeStack(cloudformation, appStackName(site));
  if (!app) throw missingSiteError(site, region);
  const parameters = stackParameters(app);
  const outputs = stackOutputs(app);
  const prereq = await findStack(cloudformation, site);
  const bucket = prereq ? await bucketOf(cloudformation, prereq) : undefined;
  if (!bucket) {
    throw new UserError(`The site ${site} has no bucket (stack ${site} ${prereq ? `is ${prereq.status}` : "not found"}).`, {
      hint: `Deploy it again with update-stack ${site}, or delete what is left with delete-stack ${site}.`,
    });
  }
  if (!outputs.SiteUrl) {
    throw new UserError(`Stack ${app.StackName ?? appStackName(site)} (${app.StackStatus}) has no SiteUrl output.`, {
      hint: `Deploy the site again with update-stack ${site}.`,
    });
  }
  return {
    name: site,
    bucket,
    url: siteAddress(outputs.SiteUrl, parameters.PathPrefix),
    liveCheckSeconds: Number(parameters.LiveCheckSeconds) || 0,
    tmpBytes: parameters.EphemeralStorageSize ? Number(parameters.EphemeralStorageSize) * MB : undefined,
  };
}
