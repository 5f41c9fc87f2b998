// Which CloudFront distributions use a cache policy: how the shared stack
// knows whether any site (of any region, deployed by any version of this
// tool) still needs it, and whether one policy can take another site.
// CloudFront is the record: nothing to keep in sync.
import { ListDistributionsByCachePolicyIdCommand, type CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { toAwsError } from "./aws-error.ts";

export type CloudFront = Pick<CloudFrontClient, "send">;

/**
 * "Distributions associated with the same cache policy: 100", not adjustable
 * (CloudFront quotas, https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html).
 */
export const DISTRIBUTIONS_PER_CACHE_POLICY = 100;

/** The ids of every distribution that uses the cache policy, in any behaviour. */
export async function distributionsUsingCachePolicy(cloudfront: CloudFront, cachePolicyId: string): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    let page;
    try {
      page = await cloudfront.send(
        new ListDistributionsByCachePolicyIdCommand({ CachePolicyId: cachePolicyId, MaxItems: 100, ...(marker ? { Marker: marker } : {}) }),
      );
    } catch (error) {
      throw toAwsError(error, `Listing the CloudFront distributions that use cache policy ${cachePolicyId}`, cachePolicyId);
    }
    const list = page.DistributionIdList;
    ids.push(...(list?.Items ?? []));
    marker = list?.IsTruncated ? list.NextMarker : undefined;
  } while (marker);
  return ids;
}

/** Every distribution using any of the policies, each once. */
export async function distributionsUsingAny(cloudfront: CloudFront, cachePolicyIds: string[]): Promise<string[]> {
  const lists = await Promise.all(cachePolicyIds.map((id) => distributionsUsingCachePolicy(cloudfront, id)));
  return [...new Set(lists.flat())].sort();
}
