// Unit prices the smoke test's cost estimate uses: list prices in US East /
// Europe (Ireland) when last checked, free tiers left out (so the estimate is
// what the run would cost an account past them). Each names its page; check
// it for your region before relying on a figure.
export const PRICES_CHECKED = "2026-12-06";

export interface Price {
  usd: number;
  per: string;
  page: string;
}

export const PRICES = {
  // https://aws.amazon.com/lambda/pricing/ (arm64, the site's and converter's default)
  lambdaRequest: { usd: 0.2 / 1_000_000, per: "request", page: "https://aws.amazon.com/lambda/pricing/" },
  lambdaArmGbSecond: { usd: 0.0000133334, per: "GB-second (arm64)", page: "https://aws.amazon.com/lambda/pricing/" },
  lambdaX86GbSecond: { usd: 0.0000166667, per: "GB-second (x86_64)", page: "https://aws.amazon.com/lambda/pricing/" },
  // Lambda@Edge (the shared origin-request function): no free tier.
  edgeRequest: { usd: 0.6 / 1_000_000, per: "request", page: "https://aws.amazon.com/lambda/pricing/" },
  edgeGbSecond: { usd: 0.00005001, per: "GB-second", page: "https://aws.amazon.com/lambda/pricing/" },
  // https://aws.amazon.com/cloudfront/pricing/ (HTTPS requests, US and Europe; data out, first 10 TB)
  cloudfrontRequest: { usd: 0.01 / 10_000, per: "HTTPS request", page: "https://aws.amazon.com/cloudfront/pricing/" },
  cloudfrontGbOut: { usd: 0.085, per: "GB out", page: "https://aws.amazon.com/cloudfront/pricing/" },
  cloudfrontFunction: { usd: 0.1 / 1_000_000, per: "invocation", page: "https://aws.amazon.com/cloudfront/pricing/" },
  // https://aws.amazon.com/s3/pricing/ (S3 Standard)
  s3Write: { usd: 0.005 / 1000, per: "PUT, COPY, POST or LIST request", page: "https://aws.amazon.com/s3/pricing/" },
  s3Read: { usd: 0.0004 / 1000, per: "GET or other request", page: "https://aws.amazon.com/s3/pricing/" },
  s3GbMonth: { usd: 0.023, per: "GB-month", page: "https://aws.amazon.com/s3/pricing/" },
  // S3 Files (--in-place), on https://aws.amazon.com/s3/pricing/ (the S3 Files tab): reads of files over its
  // 128 KiB import threshold go straight to S3, at the GET price above ("How S3 Files is metered", S3 User
  // Guide); reads from its high-performance storage are billed per GB (the figure the README uses, from
  // third-party summaries of that page, us-east-1). Mount targets and the VPC have no charge of their own.
  s3FilesReadGb: { usd: 0.03, per: "GB read from S3 Files' high-performance storage", page: "https://aws.amazon.com/s3/pricing/" },
  // https://aws.amazon.com/eventbridge/pricing/ (Scheduler: invocations, after 14 million a month free)
  schedulerInvocation: { usd: 1 / 1_000_000, per: "scheduled invocation", page: "https://aws.amazon.com/eventbridge/pricing/" },
  // https://aws.amazon.com/cloudwatch/pricing/ (Logs, standard ingestion)
  logsGbIngested: { usd: 0.5, per: "GB ingested", page: "https://aws.amazon.com/cloudwatch/pricing/" },
} satisfies Record<string, Price>;
