// Smoke test of the end-to-end harness: the real templates/prereq.yaml and
// templates/app.yaml, unchanged, deploy, update and delete on the local moto
// server (moto plus stand-ins, test/e2e/moto/server.py), driven by the AWS SDK.
// What this proves: the templates' parameters, conditions, Refs and GetAtts fit
// together and the outputs the CLI reads exist. What it cannot prove (moto has
// no CloudFront or Function URLs): that CloudFront serves the site. Template
// tests and cfn-lint cover that.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, test } from "node:test";
import { CreateStackCommand, DeleteStackCommand, UpdateStackCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { readTemplates } from "../../src/templates.ts";
import { motoEvents, motoLambda, standIns, startMoto } from "../_helpers/moto.ts";
import {
  dummyZip,
  motoClients,
  settleStack,
  sharedStackWithSdk,
  stackOutputs as outputs,
  stackParameters as parameters,
} from "../_helpers/moto-site.ts";
import { sampleAppParameters } from "../_helpers/plan.ts";

const moto = await startMoto();
after(() => moto.stop());

const { cloudformation, s3 } = motoClients(moto);
const logs = new CloudWatchLogsClient(moto.clientConfig);
const templates = await readTemplates();
const settle = (stack: string) => settleStack(cloudformation, stack);

for (const cdn of [true, false]) {
  test(`templates deploy, update and delete on moto with EnableCdn=${cdn}`, async () => {
    // Upper case on purpose: stack names may have it, bucket names may not.
    const name = cdn ? "Harness-Cdn" : "Harness-NoCdn";

    // Prerequisite stack: the bucket.
    const prereqId = (await cloudformation.send(new CreateStackCommand({ StackName: name, TemplateBody: templates.prereq }))).StackId!;
    const prereq = await settle(name);
    assert.equal(prereq.StackStatus, "CREATE_COMPLETE");
    const bucket = outputs(prereq).BucketName;
    assert.match(bucket ?? "", /^[a-z0-9][a-z0-9.-]+$/);

    // The TLS-only bucket policy is recorded by the stand-in but not applied
    // (moto would ignore its Condition and deny every request).
    const [bucketPolicy] = (await standIns(moto, prereqId)).filter((r) => r.type === "AWS::S3::BucketPolicy");
    assert.ok(bucketPolicy, "the AWS::S3::BucketPolicy stand-in recorded nothing");
    assert.equal(bucketPolicy.properties.Bucket, bucket);
    assert.match(JSON.stringify(bucketPolicy.properties.PolicyDocument), /aws:SecureTransport/);
    await assert.rejects(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), { name: "NoSuchBucketPolicy" });

    const keys = {
      packageA: "package/aaaa.zip",
      packageB: "package/bbbb.zip",
      layerA: "layer/cccc.zip",
      layerB: "layer/dddd.zip",
    };
    for (const key of Object.values(keys)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: dummyZip(key) }));
    }

    // App stack, every parameter of the contract.
    const app = `${name}-lambda`;
    // With CloudFront the account's shared stack comes first (us-east-1; here, moto's one region).
    const shared = cdn ? await sharedStackWithSdk(moto) : undefined;
    const values = sampleAppParameters({
      bucket: bucket!,
      packageKey: keys.packageA,
      layerKey: keys.layerA,
      cdn,
      ...(shared ? { shared } : {}),
    });
    const appId = (
      await cloudformation.send(
        new CreateStackCommand({
          StackName: app,
          TemplateBody: templates.app,
          Parameters: parameters(values),
          Capabilities: ["CAPABILITY_IAM"],
        }),
      )
    ).StackId!;
    const created = await settle(app);
    assert.equal(created.StackStatus, "CREATE_COMPLETE");
    const out = outputs(created);
    assert.match(out.FunctionUrl ?? "", /^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/$/);
    assert.equal(out.FunctionName, app);
    assert.equal(out.LogGroupName, `/aws/lambda/${app}`);
    if (cdn) {
      assert.match(out.SiteUrl ?? "", /^https:\/\/[a-z0-9]+\.cloudfront\.net\/$/);
      assert.match(out.DistributionId ?? "", /^E[A-Z0-9]{13}$/);
    } else {
      assert.equal(out.SiteUrl, out.FunctionUrl);
      assert.equal(out.DistributionId, undefined);
    }

    // The log groups exist (the site's, so tail-logs tests can write events
    // into it, and the converter's), with their retention.
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupName }));
    assert.deepEqual(
      logGroups?.map((g) => [g.logGroupName, g.retentionInDays]),
      [
        [out.LogGroupName, 14],
        [out.ConverterLogGroupName, 14],
      ],
    );
    assert.equal(out.ConverterLogGroupName, `/aws/lambda/${app}-converter`);

    // The converter function: the same package, its own handler, invoked by the
    // rule for this bucket's incoming/ (moto has both models; nothing invokes it here).
    const converter = (await motoLambda(moto, `/functions/${out.ConverterFunctionName}`)).body as {
      Configuration?: { Handler?: string; CodeSha256?: string; Environment?: { Variables?: Record<string, string> } };
    };
    assert.equal(converter.Configuration?.Handler, "datasette_lambda.convert.function.handler");
    assert.deepEqual(converter.Configuration?.Environment?.Variables, { DATASETTE_LAMBDA_BUCKET: bucket });
    const rules = ((await motoEvents(moto, "ListRules", {})).Rules as { Name: string; Arn: string; EventPattern: string }[]).filter((r) =>
      r.EventPattern.includes(bucket!),
    );
    assert.equal(rules.length, 1);
    assert.deepEqual(JSON.parse(rules[0]!.EventPattern), {
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: "incoming/" }] } },
    });
    const targets = (await motoEvents(moto, "ListTargetsByRule", { Rule: rules[0]!.Name })).Targets as { Arn: string }[];
    assert.deepEqual(
      targets.map((t) => t.Arn.split(":").at(-1)),
      [out.ConverterFunctionName],
    );
    const converterPolicy = (await motoLambda(moto, `/functions/${out.ConverterFunctionName}/policy`)).body as { Policy: string };
    const converterGrants = (JSON.parse(converterPolicy.Policy) as { Statement: Record<string, unknown>[] }).Statement.map((st) => [
      st.Action,
      st.Principal,
      JSON.stringify(st.Condition ?? null),
    ]);
    assert.deepEqual(converterGrants, [
      ["lambda:InvokeFunction", { Service: "events.amazonaws.com" }, `{"ArnLike":{"AWS:SourceArn":"${rules[0]!.Arn}"}}`],
    ]);

    // The stand-ins saw what the template asked of them.
    const records = (await standIns(moto, appId)).filter((r) => !r.deleted);
    const types = records.map((r) => r.type).sort();
    // The site's distribution; its policies, OAC and function are the shared stack's.
    const cdnTypes = cdn ? ["AWS::CloudFront::Distribution"] : [];
    assert.deepEqual(types, [...cdnTypes, "AWS::Lambda::LayerVersion", "AWS::Lambda::Url"]);
    const url = records.find((r) => r.type === "AWS::Lambda::Url")!;
    assert.equal(url.properties.AuthType, cdn ? "AWS_IAM" : "NONE");
    if (cdn) {
      const distribution = records.find((r) => r.type === "AWS::CloudFront::Distribution")!;
      const config = distribution.properties.DistributionConfig as {
        Origins: { DomainName: string; OriginAccessControlId: string }[];
        DefaultCacheBehavior: { CachePolicyId: string; FunctionAssociations: { FunctionARN: string }[] };
      };
      assert.equal(config.Origins[0]?.DomainName, new URL(out.FunctionUrl!).host);
      // The shared parts' ids and ARN reached the distribution.
      assert.equal(config.Origins[0]?.OriginAccessControlId, shared!.SharedOriginAccessControlId);
      assert.equal(config.DefaultCacheBehavior.CachePolicyId, shared!.SharedCachePolicyId);
      assert.equal(config.DefaultCacheBehavior.FunctionAssociations[0]?.FunctionARN, shared!.SharedViewerFunctionArn);
    }

    // Only the front door's permissions exist: CloudFront's, limited to the
    // distribution, or the public ones (this needs the server's !Condition fix).
    const policy = (await motoLambda(moto, `/functions/${app}/policy`)).body as { Policy: string };
    const statements = (JSON.parse(policy.Policy) as { Statement: Record<string, unknown>[] }).Statement;
    const grants = statements.map((st) => [st.Action, st.Principal, JSON.stringify(st.Condition ?? null)]).sort();
    const sourceArn = `{"ArnLike":{"AWS:SourceArn":"arn:aws:cloudfront::123456789012:distribution/${out.DistributionId}"}}`;
    assert.deepEqual(
      grants,
      cdn
        ? [
            ["lambda:InvokeFunction", { Service: "cloudfront.amazonaws.com" }, sourceArn],
            ["lambda:InvokeFunctionUrl", { Service: "cloudfront.amazonaws.com" }, sourceArn],
          ]
        : [
            ["lambda:InvokeFunction", "*", "null"],
            ["lambda:InvokeFunctionUrl", "*", "null"],
          ],
    );

    // An update with a new package and layer reaches the function: new code, a
    // new layer version (CloudFormation replaces a LayerVersion) in its Layers.
    await cloudformation.send(
      new UpdateStackCommand({
        StackName: app,
        TemplateBody: templates.app,
        Parameters: parameters({ ...values, PackageKey: keys.packageB, LayerKey: keys.layerB }),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    const updated = await settle(app);
    assert.equal(updated.StackStatus, "UPDATE_COMPLETE");
    assert.equal(outputs(updated).FunctionUrl, out.FunctionUrl);
    const fn = (await motoLambda(moto, `/functions/${app}`)).body as {
      Configuration?: { CodeSha256?: string; Layers?: { Arn: string }[] };
    };
    const sha256 = createHash("sha256").update(dummyZip(keys.packageB)).digest("base64");
    assert.equal(fn.Configuration?.CodeSha256, sha256);
    const layers = (await standIns(moto, appId)).filter((r) => r.type === "AWS::Lambda::LayerVersion");
    assert.deepEqual(
      layers.map((l) => [(l.properties.Content as { S3Key: string }).S3Key, l.deleted]),
      [
        [keys.layerA, true],
        [keys.layerB, false],
      ],
    );
    assert.deepEqual(
      fn.Configuration?.Layers?.map((l) => l.Arn),
      [layers[1]?.physicalResourceId],
    );

    // Deleting the app stack removes its resources.
    await cloudformation.send(new DeleteStackCommand({ StackName: app }));
    assert.equal((await settle(appId)).StackStatus, "DELETE_COMPLETE");
    const remaining = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupName }));
    assert.deepEqual(remaining.logGroups, [], "both log groups are gone");
    assert.equal((await motoLambda(moto, `/functions/${app}`)).status, 404);
    assert.equal((await motoLambda(moto, `/functions/${out.ConverterFunctionName}`)).status, 404);
    assert.deepEqual(
      ((await motoEvents(moto, "ListRules", {})).Rules as { EventPattern: string }[]).filter((r) => r.EventPattern.includes(bucket!)),
      [],
    );
    assert.ok(
      (await standIns(moto, appId)).every((r) => r.deleted),
      "a stand-in outlived its stack",
    );

    // moto's DeleteStack would leave a non-empty bucket behind: empty it first,
    // as delete-stack does, then the bucket really goes.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: (listed.Contents ?? []).map((o) => ({ Key: o.Key })) },
      }),
    );
    await cloudformation.send(new DeleteStackCommand({ StackName: name }));
    assert.equal((await settle(prereqId)).StackStatus, "DELETE_COMPLETE");
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })), { name: "NotFound" });
  });
}
