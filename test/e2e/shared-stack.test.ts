// End to end: 25 sites with CloudFront in one account share one set of
// CloudFront parts (templates/shared.yaml: two cache policies, an origin
// access control, a viewer-request function), against a local moto server.
// CloudFront allows 20 custom cache policies per account ("General quotas on
// policies", https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html),
// so per-site policies stopped the 11th site. The sites are deployed and
// deleted in-process (deploySite, runDeleteStack) with dummy package and layer
// zips, in two regions, five of them at once (all racing to create the shared
// stack), then deleted in a shuffled order: the shared stack must exist exactly
// while a site does, and its Lambda@Edge function (retained by the stack, since
// on AWS its replicas outlive the distributions by hours) must go with the last
// site. What moto cannot show is stood in for, labelled, in
// test/e2e/moto/server.py: the CloudFront resources (records of what the
// templates asked) and ListDistributionsByCachePolicyId (answered from them);
// moto does not replicate functions, so the deletion is never refused here
// (test/deploy/release-shared.test.ts models that).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { edgeFunctionOf, listEdgeFunctions } from "../../src/aws/edge-functions.ts";
import { runDeleteStack } from "../../src/commands/delete-stack.ts";
import { deploySite } from "../../src/deploy/deploy-site.ts";
import { appStackParameters } from "../../src/plan/app-parameters.ts";
import { prereqStackParameters } from "../../src/plan/prereq-parameters.ts";
import type { Artifact, BuildResult } from "../../src/plan/types.ts";
import { readTemplates } from "../../src/templates.ts";
import { sha256 as sha256Hex } from "../../src/util/sha256.ts";
import { tempDir } from "../_helpers/fixtures.ts";
import { standIns, startMoto } from "../_helpers/moto.ts";
import { dummyZip, motoAwsClients } from "../_helpers/moto-site.ts";
import { samplePlan } from "../_helpers/plan.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const moto = await startMoto();
after(() => moto.stop());

const SITES = 25;
const REGIONS = ["us-east-1", "eu-west-1"];
const dir = tempDir();
const templates = await readTemplates();
const noWait = { sleep: async () => {}, pollMs: 0 };

function artifact(key: (sha: string) => string, bytes: Buffer): Artifact {
  const sha256 = sha256Hex(bytes);
  const path = join(dir, sha256);
  writeFileSync(path, bytes);
  return { key: key(sha256), path, bytes: bytes.length, sha256 };
}

/** What buildSite would hand deploySite for a site with no databases, without building anything. */
function build(name: string): BuildResult {
  const pkg = artifact((sha) => `package/${sha}.zip`, dummyZip(`package of ${name}`));
  const layer = artifact((sha) => `layer/${sha}.zip`, dummyZip(`layer of ${name}`));
  const plan = samplePlan({ stackName: name, appStackName: `${name}-lambda`, databases: [] });
  return {
    plan,
    artifacts: [pkg, layer],
    prereqTemplate: templates.prereq,
    prereqParameters: prereqStackParameters(plan),
    appTemplate: templates.app,
    appParameters: appStackParameters(plan, { packageKey: pkg.key, layerKey: layer.key }),
  };
}

const site = (i: number) => ({ name: `Shared-${String(i).padStart(2, "0")}`, region: REGIONS[i % REGIONS.length]! });

async function deploy(i: number): Promise<void> {
  const { name, region } = site(i);
  await deploySite(build(name), {
    clients: motoAwsClients(moto, region),
    region,
    out: recordingOutput().out,
    ...noWait,
    randomSecret: () => "0123456789abcdef".repeat(4),
  });
}

async function sharedStacks(): Promise<string[]> {
  const clients = motoAwsClients(moto, "us-east-1");
  const stack = await clients.usEast1Cloudformation
    .send(new DescribeStacksCommand({ StackName: "datasette-lambda-shared" }))
    .catch(() => undefined);
  return (stack?.Stacks ?? []).filter((s) => s.StackStatus !== "DELETE_COMPLETE").map((s) => s.StackStatus ?? "");
}

/** Set once the shared stack exists: the edge function it names. */
const expect = { edgeFunction: "" };

async function edgeFunctions(): Promise<string[]> {
  return listEdgeFunctions(motoAwsClients(moto, "us-east-1").usEast1Lambda);
}

/** A fixed shuffle (a small LCG), so a failure can be replayed. */
function shuffled(count: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed;
  for (let i = order.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

test(`${SITES} sites with CloudFront: one shared stack, two cache policies in the account, every site on them`, async () => {
  // The first five at once: all race to create the shared stack.
  await Promise.all([0, 1, 2, 3, 4].map(deploy));
  const [shared] = (
    await motoAwsClients(moto, "us-east-1").usEast1Cloudformation.send(new DescribeStacksCommand({ StackName: "datasette-lambda-shared" }))
  ).Stacks!;
  expect.edgeFunction = edgeFunctionOf(shared!.StackId!);
  for (let i = 5; i < SITES; i += 5) await Promise.all([i, i + 1, i + 2, i + 3, i + 4].filter((n) => n < SITES).map(deploy));

  assert.deepEqual(await sharedStacks(), ["CREATE_COMPLETE"]);
  const records = await standIns(moto);
  const created = (type: string) => records.filter((r) => r.type === type);
  assert.equal(created("AWS::CloudFront::CachePolicy").length, 2, "two cache policies in the whole account");
  assert.equal(created("AWS::CloudFront::OriginAccessControl").length, 1);
  assert.equal(created("AWS::CloudFront::Function").length, 1);
  const distributions = created("AWS::CloudFront::Distribution");
  assert.equal(distributions.length, SITES);
  const [pages] = created("AWS::CloudFront::CachePolicy").filter((r) => r.logicalId === "CachePolicy");
  // One Lambda@Edge function in us-east-1, its one version used by every distribution.
  assert.deepEqual(await edgeFunctions(), [expect.edgeFunction]);
  const [version] = created("AWS::Lambda::Version");
  assert.match(version!.physicalResourceId, new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:function:${expect.edgeFunction}:1$`));
  for (const distribution of distributions) {
    const config = distribution.properties.DistributionConfig as {
      DefaultCacheBehavior: { CachePolicyId: string; LambdaFunctionAssociations: { LambdaFunctionARN: string; IncludeBody: boolean }[] };
    };
    assert.equal(config.DefaultCacheBehavior.CachePolicyId, pages!.physicalResourceId);
    assert.deepEqual(
      config.DefaultCacheBehavior.LambdaFunctionAssociations.map((a) => [a.LambdaFunctionARN, a.IncludeBody]),
      [[version!.physicalResourceId, true]],
    );
  }
});

test("the sites deleted in a shuffled order: the shared stack stays while any is left, and goes with the last", async () => {
  const order = shuffled(SITES, 20261206);
  for (const [n, i] of order.entries()) {
    const { name, region } = site(i);
    const output = recordingOutput({ json: true });
    const result = await runDeleteStack(
      name,
      { yes: true },
      { clients: motoAwsClients(moto, region), output: output.out, confirm: async () => true, ...noWait },
    );
    const last = n === order.length - 1;
    assert.equal(result.deleted.includes("datasette-lambda-shared"), last, `${name} (${n + 1} of ${SITES})`);
    assert.equal(result.deleted.includes(`lambda:${expect.edgeFunction}`), last, `${name}: the edge function goes with the last site`);
    assert.deepEqual(await sharedStacks(), last ? [] : ["CREATE_COMPLETE"], `after ${name}`);
  }
  assert.deepEqual(await edgeFunctions(), [], "the retained edge function was deleted");
  const records = await standIns(moto);
  for (const type of [
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::Distribution",
  ]) {
    const left = records.filter((r) => r.type === type && !r.deleted);
    assert.deepEqual(left, [], `${type} left behind`);
  }
});
