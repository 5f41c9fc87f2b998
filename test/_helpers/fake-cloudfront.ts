// CloudFront's ListDistributionsByCachePolicyId behind aws-sdk-client-mock:
// `users` maps a cache policy id to the distributions that use it. Pages of
// `pageSize` ids with IsTruncated/NextMarker, as the API pages them
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributionsByCachePolicyId.html).
import { CloudFrontClient, ListDistributionsByCachePolicyIdCommand } from "@aws-sdk/client-cloudfront";
import { mockClient } from "aws-sdk-client-mock";

export class FakeCloudFront {
  readonly client = new CloudFrontClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  readonly users = new Map<string, string[]>();
  pageSize = 100;

  constructor() {
    this.mock.on(ListDistributionsByCachePolicyIdCommand).callsFake(async (input) => {
      const all = this.users.get(input.CachePolicyId ?? "") ?? [];
      const start = input.Marker ? all.indexOf(input.Marker) + 1 : 0;
      const size = Math.min(this.pageSize, input.MaxItems ?? this.pageSize);
      const items = all.slice(start, start + size);
      const truncated = start + size < all.length;
      return {
        DistributionIdList: {
          Marker: input.Marker ?? "",
          MaxItems: size,
          IsTruncated: truncated,
          Quantity: items.length,
          Items: items,
          ...(truncated ? { NextMarker: items.at(-1) } : {}),
        },
      };
    });
  }

  /** How many list calls were made. */
  calls(): number {
    return this.mock.commandCalls(ListDistributionsByCachePolicyIdCommand).length;
  }
}
