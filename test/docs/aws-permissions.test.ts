// docs/aws-permissions-*.json must allow every AWS call the CLI makes and
// everything CloudFormation does with the user's credentials for the resource
// types in templates/, on the resources a site has, and nothing else.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cfnLintPath } from "../_helpers/cfn-lint.ts";
import { actionsOf, allowingStatements, type Policy, type RequestContext } from "../_helpers/iam-policy.ts";
import { AUTHORIZED_AS, HANDLER_PERMISSIONS, LAMBDA_EDGE_ASSOCIATION, NOT_NEEDED } from "./cloudformation-handler-permissions.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const POLICY_FILES = ["docs/aws-permissions-site.json", "docs/aws-permissions-cdn.json"];
const policies = POLICY_FILES.map((file) => JSON.parse(readFileSync(join(root, file), "utf8")) as Policy);
const policy: Policy = { Version: "2012-10-17", Statement: policies.flatMap((p) => p.Statement) };

// --- The calls the CLI makes: every AWS SDK import in src/ ------------------

const SERVICE_PREFIX: Record<string, string> = {
  "client-cloudformation": "cloudformation",
  "client-cloudwatch-logs": "logs",
  "client-route-53": "route53",
  "client-s3": "s3",
  "client-acm": "acm",
  "client-cloudfront": "cloudfront",
  "client-lambda": "lambda",
};

// Operations IAM authorizes under another action ("Required permissions" /
// "Permissions" of each operation in the Amazon S3 API Reference).
const S3_OPERATION_ACTIONS: Record<string, string[]> = {
  "s3:HeadObject": ["s3:GetObject"],
  "s3:HeadBucket": ["s3:ListBucket"],
  "s3:ListObjectsV2": ["s3:ListBucket"],
  "s3:ListObjectVersions": ["s3:ListBucketVersions"],
  // delete-stack removes object versions and delete markers by VersionId.
  "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
};

// lib-storage's Upload: PutObject, or CreateMultipartUpload + UploadPart +
// CompleteMultipartUpload (all s3:PutObject), and AbortMultipartUpload on failure.
const LIB_STORAGE_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** IAM action → the src/ files whose AWS SDK imports need it. */
function cliActions(): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  const need = (action: string, file: string) => actions.set(action, [...(actions.get(action) ?? []), file]);
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    const imports = [...text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*"@aws-sdk\/([^"]+)"/g)];
    // Any other way of reaching the SDK (import *, a default or dynamic import) would escape this scan.
    const mentions = text.match(/["']@aws-sdk\//g)?.length ?? 0;
    if (mentions !== imports.length)
      throw new Error(`${file.slice(root.length)}: an @aws-sdk import this test cannot read; use import { ... } from "@aws-sdk/..."`);
    for (const [, typeOnly, names, pkg] of imports) {
      if (typeOnly) continue;
      const values = names!
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n && !n.startsWith("type "));
      const where = file.slice(root.length);
      if (pkg === "lib-storage") {
        for (const name of values) {
          if (name !== "Upload")
            throw new Error(`${where}: @aws-sdk/lib-storage's ${name} is new to this test: add the IAM actions it needs`);
          for (const action of LIB_STORAGE_ACTIONS) need(action, where);
        }
        continue;
      }
      const prefix = SERVICE_PREFIX[pkg!];
      if (!prefix) throw new Error(`${where}: @aws-sdk/${pkg} is new to this test: map it to its IAM service prefix`);
      for (const name of values) {
        const operation = name.match(/^(\w+)Command$/)?.[1] ?? name.match(/^paginate(\w+)$/)?.[1];
        if (!operation) continue; // clients, exceptions
        const action = `${prefix}:${operation}`;
        for (const iam of S3_OPERATION_ACTIONS[action] ?? [action]) need(iam, where);
      }
    }
  }
  return actions;
}

// --- What CloudFormation does: the resource types of templates/ ------------

function templateResourceTypes(): string[] {
  const types = new Set<string>();
  for (const name of readdirSync(join(root, "templates")).filter((n) => n.endsWith(".yaml"))) {
    for (const [, type] of readFileSync(join(root, "templates", name), "utf8").matchAll(/^\s+Type:\s*(AWS::[\w:]+)\s*$/gm))
      types.add(type!);
  }
  return [...types].sort();
}

const notNeeded = (action: string) => NOT_NEEDED[action] ?? NOT_NEEDED[action.split(":")[0]!];

/** IAM action → the resource types whose handlers need it. */
function cloudFormationActions(): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  for (const [type, handlers] of Object.entries(HANDLER_PERMISSIONS)) {
    for (const listed of Object.values(handlers).flat()) {
      if (notNeeded(listed)) continue;
      const action = AUTHORIZED_AS[listed] ?? listed;
      actions.set(action, [...new Set([...(actions.get(action) ?? []), type])]);
    }
  }
  for (const action of LAMBDA_EDGE_ASSOCIATION) {
    actions.set(action, [...new Set([...(actions.get(action) ?? []), "Lambda@Edge association"])]);
  }
  return actions;
}

// --- A site's resources, as ARNs: site "mysite" in eu-west-2 ----------------

const ACCOUNT = "123456789012";
const REGION = "eu-west-2";
const BUCKET = "mysite-bucket-1x2y3z4w5v6u";
const OBJECT_ACTIONS = new Set([
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:PutObject",
  "s3:PutObjectAcl",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:AbortMultipartUpload",
]);
// Actions that support no resource-level permission (Resource "*"): the
// Service Authorization Reference's action tables, resource type column empty.
const ACCOUNT_LEVEL = new Set([
  "logs:DescribeLogGroups",
  "logs:CreateLogDelivery",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DeleteResourcePolicy",
  "logs:PutIndexPolicy",
  "logs:DescribeIndexPolicies",
  "logs:DeleteIndexPolicy",
  "route53:ListHostedZones",
  "acm:RequestCertificate",
  "cloudfront:CreateOriginAccessControl",
  "cloudfront:ListDistributionsByCachePolicyId",
  "lambda:ListFunctions",
  "lambda:GetAccountSettings",
  "cloudformation:ListStacks",
]);
// The shared stack's edge function (us-east-1) and the version distributions use.
const EDGE_FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:datasette-lambda-edge-9d413070`;
// The replicator's service-linked role, made on first use of Lambda@Edge.
const REPLICATOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`;
const CLOUDFRONT_FUNCTION_ACTIONS = new Set([
  "CreateFunction",
  "PublishFunction",
  "DescribeFunction",
  "UpdateFunction",
  "DeleteFunction",
  "GetFunction",
]);

/** The ARNs of this site's resources that `action` acts on. */
function siteResources(action: string): string[] {
  if (ACCOUNT_LEVEL.has(action)) return ["*"];
  const [service, operation = ""] = action.split(":");
  const lambda = `arn:aws:lambda:${REGION}:${ACCOUNT}`;
  const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda`;
  switch (service) {
    case "cloudformation":
      return [
        `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/mysite/6a1e0e40-0000-11ef-9d5b-0a1b2c3d4e5f`,
        `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/mysite-lambda/7b2f1f50-0000-11ef-9d5b-0a1b2c3d4e5f`,
        `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/mysite-certificate/8c302060-0000-11ef-9d5b-0a1b2c3d4e5f`,
        `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/datasette-lambda-shared/9d413070-0000-11ef-9d5b-0a1b2c3d4e5f`,
      ];
    case "s3":
      return [OBJECT_ACTIONS.has(action) ? `arn:aws:s3:::${BUCKET}/live/manifest.json` : `arn:aws:s3:::${BUCKET}`];
    case "lambda":
      if (operation === "PublishLayerVersion") return [`${lambda}:layer:mysite-lambda-deps`];
      if (operation.endsWith("LayerVersion")) return [`${lambda}:layer:mysite-lambda-deps:3`];
      if (operation.endsWith("Replication*")) return [`${EDGE_FUNCTION}:1`];
      return [
        EDGE_FUNCTION,
        `${EDGE_FUNCTION}:1`,
        `${lambda}:function:mysite-lambda`,
        `${lambda}:function:mysite-lambda:live`,
        `${lambda}:function:mysite-lambda-ConverterFunction-AbCdEf123456`,
      ];
    case "iam":
      if (operation === "CreateServiceLinkedRole") return [REPLICATOR_ROLE];
      return [
        `arn:aws:iam::${ACCOUNT}:role/datasette-lambda-shared-EdgeRole-AbCdEf123456`,
        `arn:aws:iam::${ACCOUNT}:role/mysite-lambda-Role-AbCdEf123456`,
        `arn:aws:iam::${ACCOUNT}:role/mysite-lambda-ConverterRole-AbCdEf123456`,
      ];
    case "logs":
      return [`${logGroup}/mysite-lambda`, `${logGroup}/mysite-lambda:*`, `${logGroup}/mysite-lambda-converter:*`];
    case "events":
      return [`arn:aws:events:${REGION}:${ACCOUNT}:rule/mysite-lambda-IncomingRule-AbCdEf123456`];
    case "cloudfront":
      return CLOUDFRONT_FUNCTION_ACTIONS.has(operation)
        ? [`arn:aws:cloudfront::${ACCOUNT}:function/datasette-lambda-7b2f1f50-0000-11ef-9d5b-0a1b2c3d4e5f`]
        : [`arn:aws:cloudfront::${ACCOUNT}:distribution/E2EXAMPLE1234`];
    case "acm":
      return [`arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0b1c2d3e-0000-4f5a-8b9c-0d1e2f3a4b5c`];
    case "route53":
      return [operation === "GetChange" ? "arn:aws:route53:::change/C2682N5HXP0BZ4" : "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"];
    default:
      throw new Error(`no example resource for ${action}`);
  }
}

/** The request context of a deploy: the certificate in us-east-1, roles passed to Lambda, the records the templates write. */
function deployContext(action: string): RequestContext {
  return {
    "aws:RequestedRegion": action.startsWith("acm:") ? "us-east-1" : REGION,
    "iam:PassedToService": "lambda.amazonaws.com",
    "iam:AWSServiceName": "replicator.lambda.amazonaws.com",
    "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME"],
  };
}

function refused(actions: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const [action, needers] of actions) {
    for (const resource of siteResources(action)) {
      if (allowingStatements(policy, action, resource, deployContext(action)).length === 0) {
        problems.push(`${action} on ${resource} (needed by ${needers.join(", ")})`);
      }
    }
  }
  return problems.sort();
}

// --- The tests -------------------------------------------------------------

test("the CLI's AWS calls are found in src/ (the scan works)", () => {
  const actions = cliActions();
  for (const expected of [
    "cloudformation:UpdateStack",
    "s3:PutObject",
    "s3:ListBucket",
    "logs:FilterLogEvents",
    "route53:ListHostedZones",
  ]) {
    ok(actions.has(expected), `${expected} not found among the CLI's calls`);
  }
});

test("the policy allows every AWS call the CLI makes, on the site's resources", () => {
  deepStrictEqual(refused(cliActions()), []);
});

test("the handler table covers exactly the resource types in templates/", () => {
  deepStrictEqual(Object.keys(HANDLER_PERMISSIONS).sort(), templateResourceTypes());
});

test("the policy allows what CloudFormation needs for every resource type, on the site's resources", () => {
  deepStrictEqual(refused(cloudFormationActions()), []);
});

test("the policy has no action that neither the CLI nor CloudFormation needs, and no action wildcard", () => {
  const needed = new Set([...cliActions().keys(), ...cloudFormationActions().keys()]);
  const extra = actionsOf(policy).filter((action) => !needed.has(action));
  deepStrictEqual(extra, []);
  // Only the two Lambda@Edge's page requires with their asterisk.
  deepStrictEqual(
    actionsOf(policy).filter((action) => /[*?]/.test(action)),
    LAMBDA_EDGE_ASSOCIATION.filter((action) => action.endsWith("*")).sort(),
  );
  const all = actionsOf(policy);
  deepStrictEqual(
    all.filter((action, i) => all.indexOf(action) !== i),
    [],
    "an action listed twice",
  );
});

test("every left-out handler permission is one a handler lists, and every S3 API name's IAM action is in the policy", () => {
  const listed = Object.values(HANDLER_PERMISSIONS).flatMap((h) => Object.values(h).flat());
  for (const key of Object.keys(NOT_NEEDED)) {
    ok(
      listed.some((action) => action === key || action.startsWith(`${key}:`)),
      `NOT_NEEDED names ${key}, which no handler lists`,
    );
  }
  for (const [apiName, action] of Object.entries(AUTHORIZED_AS)) {
    ok(listed.includes(apiName), `AUTHORIZED_AS names ${apiName}, which no handler lists`);
    ok(actionsOf(policy).includes(action), `${action} (for ${apiName}) is not in the policy`);
  }
});

test("the policy is scoped: other buckets, other regions' certificates, roles for other services are refused", () => {
  strictEqual(allowingStatements(policy, "s3:DeleteBucket", "arn:aws:s3:::someone-elses-data").length, 0);
  strictEqual(allowingStatements(policy, "s3:GetObject", "arn:aws:s3:::payroll/2026.csv").length, 0);
  strictEqual(allowingStatements(policy, "acm:RequestCertificate", "*", { "aws:RequestedRegion": "eu-west-2" }).length, 0);
  strictEqual(allowingStatements(policy, "acm:DeleteCertificate", `arn:aws:acm:eu-west-2:${ACCOUNT}:certificate/x`).length, 0);
  strictEqual(
    allowingStatements(policy, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/x`, { "iam:PassedToService": "ec2.amazonaws.com" }).length,
    0,
  );
  strictEqual(
    allowingStatements(policy, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", {
      "route53:ChangeResourceRecordSetsRecordTypes": ["MX"],
    }).length,
    0,
  );
  strictEqual(
    allowingStatements(policy, "logs:FilterLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/payments`).length,
    0,
  );
});

test('each policy file fits IAM\'s 6,144 characters for a managed policy ("IAM and AWS STS quotas")', () => {
  for (const [i, file] of POLICY_FILES.entries()) {
    const characters = JSON.stringify(policies[i]).replace(/\s/g, "").length;
    ok(characters <= 6144, `${file} has ${characters} characters without whitespace`);
  }
});

test("docs/aws-permissions.md shows both policy files as they are", () => {
  const page = readFileSync(join(root, "docs", "aws-permissions.md"), "utf8");
  for (const file of POLICY_FILES) {
    const text = readFileSync(join(root, file), "utf8").trimEnd();
    ok(page.includes(`\`\`\`json\n${text}\n\`\`\``), `docs/aws-permissions.md does not show ${file} as it is`);
  }
});

test("the handler table matches the resource schemas cfn-lint bundles (us-east-1)", async () => {
  const python = join(dirname(cfnLintPath()), "python");
  const script = [
    "import cfnlint, json, os, sys",
    "d = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas')",
    "providers = json.load(open(os.path.join(d, 'providers', 'us-east-1.json')))",
    "out = {}",
    "for t in json.loads(sys.argv[1]):",
    "    schema = json.load(open(os.path.join(d, 'resources', providers[t] + '.json')))",
    "    h = schema.get('handlers', {})",
    "    out[t] = {k: h.get(k, {}).get('permissions', []) for k in ('create', 'read', 'update', 'delete')}",
    "print(json.dumps(out))",
  ].join("\n");
  const stdout = await new Promise<string>((done, fail) =>
    execFile(python, ["-c", script, JSON.stringify(Object.keys(HANDLER_PERMISSIONS))], (error, out, err) =>
      error ? fail(new Error(err || error.message)) : done(out),
    ),
  );
  deepStrictEqual(JSON.parse(stdout), HANDLER_PERMISSIONS);
});
