// --in-place in the templates: templates/files.yaml (the NAME-files stack: the
// S3 Files file system over the bucket, its VPC, mount targets, access point),
// app.yaml's function mounting it, and prereq.yaml's versioned bucket. cfn-lint
// knows the AWS::S3Files types (checked below) but not the rules between
// resources that AWS documents; those are modelled here, each with its page.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { FILES_OUTPUTS, filesStackParameters } from "../src/plan/in-place.ts";
import { type CfnTemplate, parseTemplate, readTemplate, templateUrl } from "../src/templates.ts";
import { cfnLint, cfnLintPath, formatFindings } from "./_helpers/cfn-lint.ts";
import { samplePlan } from "./_helpers/plan.ts";
import { instantiate, type Instance, type Json, props, references, resourcesOfType, violations } from "./_helpers/template-instance.ts";

let app: CfnTemplate;
let files: CfnTemplate;
let prereq: CfnTemplate;
let filesText: string;

before(async () => {
  app = parseTemplate(await readTemplate("app"));
  filesText = await readTemplate("files");
  files = parseTemplate(filesText);
  prereq = parseTemplate(await readTemplate("prereq"));
});

const cached = () => instantiate(files, { Cached: "true" });
const direct = () => instantiate(files, { Cached: "false" });
const inPlaceApp = (InPlace: "direct" | "cached") => instantiate(app, { EnableCdn: "true", InPlace });
const fn = (instance: Instance) => props(instance.resources.Function);

/** Every statement of a role's inline policies, as the mode instantiates them. */
function statements(instance: Instance, roleId: string): Record<string, Json>[] {
  const policies = props(instance.resources[roleId]).Policies as { PolicyDocument: { Statement: Record<string, Json>[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const actions = (statement: Record<string, Json>) => [statement.Action].flat() as string[];

describe("files.yaml", () => {
  it("passes cfn-lint, whose bundled schemas know the four AWS::S3Files types (so unknown properties would be caught)", async () => {
    const findings = (await cfnLint([fileURLToPath(templateUrl("files"))])).filter((f) => f.Level !== "Informational");
    assert.deepEqual(findings, [], formatFindings(findings));
    const script = [
      "import cfnlint, json, os",
      "d = os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas', 'providers', 'us-east-1.json')",
      "print(json.dumps(sorted(t for t in json.load(open(d)) if t.startswith('AWS::S3Files::'))))",
    ].join("\n");
    const python = join(dirname(cfnLintPath()), "python");
    const known = await new Promise<string>((done, fail) =>
      execFile(python, ["-c", script], (error, out, err) => (error ? fail(new Error(err || error.message)) : done(out))),
    );
    const used = [...new Set(Object.values(files.Resources).map((r) => r.Type))].filter((t) => t.startsWith("AWS::S3Files::")).sort();
    assert.deepEqual(used, [
      "AWS::S3Files::AccessPoint",
      "AWS::S3Files::FileSystem",
      "AWS::S3Files::FileSystemPolicy",
      "AWS::S3Files::MountTarget",
    ]);
    assert.deepEqual(JSON.parse(known), used);
  });

  it("fits in a CloudFormation TemplateBody, and every reference points at something that exists, in both modes", () => {
    assert.ok(Buffer.byteLength(filesText) < 51_200);
    for (const instance of [cached(), direct()]) {
      const known = new Set([...Object.keys(instance.resources), ...Object.keys(files.Parameters ?? {})]);
      for (const [id, value] of [...Object.entries(instance.resources), ...Object.entries(instance.outputs)]) {
        for (const ref of references(value)) assert.ok(known.has(ref) || ref.startsWith("AWS::"), `${id} refers to ${ref}`);
      }
    }
  });

  it("takes the parameters a plan gives, and outputs what the app stack needs", () => {
    for (const plan of [samplePlan({ inPlace: "direct" }), samplePlan({ inPlace: "cached", cacheDays: 365 })]) {
      const values = filesStackParameters(plan, "mysite-bucket-1a2b3c4d5e6f");
      assert.deepEqual(Object.keys(values).sort(), Object.keys(files.Parameters ?? {}).sort());
      assert.deepEqual(
        Object.entries(values).flatMap(([name, value]) => violations(name, value, files.Parameters![name]!)),
        [],
      );
    }
    assert.notDeepEqual(violations("CachedDays", "366", files.Parameters!.CachedDays!), []);
    assert.deepEqual(Object.keys(files.Outputs ?? {}).sort(), [...FILES_OUTPUTS].sort());
  });

  // "Nothing billed by the hour": no NAT gateway, internet gateway, interface endpoint or
  // elastic IP. Gateway endpoints for S3 have no charge, and need DNS support and hostnames
  // (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html).
  it("makes a minimal VPC: two private subnets in two zones, one route table, an S3 gateway endpoint, nothing billed by the hour", () => {
    const instance = direct();
    const types = Object.values(instance.resources)
      .map((r) => String(r.Type))
      .filter((t) => t.startsWith("AWS::EC2::"))
      .sort();
    assert.deepEqual(types, [
      "AWS::EC2::RouteTable",
      "AWS::EC2::SecurityGroup",
      "AWS::EC2::SecurityGroup",
      "AWS::EC2::SecurityGroupIngress",
      "AWS::EC2::Subnet",
      "AWS::EC2::Subnet",
      "AWS::EC2::SubnetRouteTableAssociation",
      "AWS::EC2::SubnetRouteTableAssociation",
      "AWS::EC2::VPC",
      "AWS::EC2::VPCEndpoint",
    ]);
    assert.equal(props(instance.resources.Vpc).EnableDnsSupport, true);
    assert.equal(props(instance.resources.Vpc).EnableDnsHostnames, true);
    const zones = resourcesOfType(instance, "AWS::EC2::Subnet").map(([, subnet]) => props(subnet).AvailabilityZone);
    assert.deepEqual(zones, [{ "Fn::Select": [0, { "Fn::GetAZs": "" }] }, { "Fn::Select": [1, { "Fn::GetAZs": "" }] }]);
    const endpoint = props(instance.resources.S3Endpoint);
    assert.equal(endpoint.VpcEndpointType, "Gateway");
    assert.deepEqual(endpoint.ServiceName, { "Fn::Sub": "com.amazonaws.${AWS::Region}.s3" });
    assert.deepEqual(endpoint.RouteTableIds, [{ Ref: "RouteTable" }]);
    // Both subnets route through the one table the endpoint serves.
    const associated = resourcesOfType(instance, "AWS::EC2::SubnetRouteTableAssociation").map(([, a]) => props(a).SubnetId);
    assert.deepEqual(associated, [{ Ref: "SubnetA" }, { Ref: "SubnetB" }]);
  });

  // "NFS traffic (port 2049) ... allowed by the security groups used by the function and mount
  // targets" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-filesystem.html).
  it("allows NFS from the function's group to the mount targets' group, and nothing else in", () => {
    const r = direct().resources;
    const ingress = props(r.MountTargetNfsIngress);
    assert.deepEqual(
      [ingress.GroupId, ingress.IpProtocol, ingress.FromPort, ingress.ToPort, ingress.SourceSecurityGroupId],
      [{ Ref: "MountTargetSecurityGroup" }, "tcp", 2049, 2049, { Ref: "FunctionSecurityGroup" }],
    );
    for (const id of ["FunctionSecurityGroup", "MountTargetSecurityGroup"]) assert.equal(props(r[id]).SecurityGroupIngress, undefined, id);
    const egress = props(r.FunctionSecurityGroup).SecurityGroupEgress as Record<string, Json>[];
    assert.deepEqual(
      egress.map((rule) => [rule.IpProtocol, rule.FromPort, rule.ToPort, rule.DestinationSecurityGroupId ?? rule.CidrIp]),
      [
        ["tcp", 2049, 2049, { Ref: "MountTargetSecurityGroup" }],
        ["tcp", 443, 443, "0.0.0.0/0"],
      ],
    );
    // The mount targets' group sends nothing of its own: its one egress rule matches no traffic.
    assert.deepEqual(props(r.MountTargetSecurityGroup).SecurityGroupEgress, [
      { IpProtocol: "icmp", FromPort: -1, ToPort: -1, CidrIp: "127.0.0.1/32", Description: "nothing (a rule that matches no traffic)" },
    ]);
  });

  // One mount target per zone, in each subnet the function uses; Lambda needs one "in every
  // Availability Zone that your function connects to"
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-mount-targets-creating.html,
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-filesystem.html).
  it("puts a mount target in each subnet, behind the mount targets' group; the access point waits for both", () => {
    const instance = direct();
    const targets = resourcesOfType(instance, "AWS::S3Files::MountTarget").map(([, t]) => props(t));
    assert.deepEqual(
      targets.map((t) => [t.SubnetId, t.SecurityGroups, t.FileSystemId]),
      [
        [{ Ref: "SubnetA" }, [{ Ref: "MountTargetSecurityGroup" }], { "Fn::GetAtt": ["FileSystem", "FileSystemId"] }],
        [{ Ref: "SubnetB" }, [{ Ref: "MountTargetSecurityGroup" }], { "Fn::GetAtt": ["FileSystem", "FileSystemId"] }],
      ],
    );
    // The stack (and its AccessPointArn output) completes only once the function can mount from either zone.
    assert.deepEqual(files.Resources.AccessPoint!.DependsOn, ["MountTargetA", "MountTargetB"]);
    assert.deepEqual(files.Outputs!.AccessPointArn!.Value, { "Fn::GetAtt": ["AccessPoint", "AccessPointArn"] });
    assert.deepEqual(files.Outputs!.SubnetIds!.Value, { "Fn::Join": [",", [{ Ref: "SubnetA" }, { Ref: "SubnetB" }]] });
    assert.deepEqual(files.Outputs!.SecurityGroupId!.Value, { Ref: "FunctionSecurityGroup" });
    const access = props(instance.resources.AccessPoint);
    assert.deepEqual(access.RootDirectory, { Path: "/" });
    assert.notEqual((access.PosixUser as { Uid: string }).Uid, "0", "not root");
  });

  // Deployed databases are under db/, pushed ones under live/db/: one file system over the
  // whole bucket shows both. Prefix must end in "/" or be empty; exactly one import rule for
  // the root; SizeLessThan is strict; ON_FILE_ACCESS imports a file when it is read; one
  // expiration rule (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-synchronization-customizing.html,
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3files-filesystem-importdatarule.html).
  it("mounts the whole bucket; cached imports every database file under db/ and live/db/ when read, direct only small files", () => {
    const fileSystem = (instance: Instance) => props(instance.resources.FileSystem);
    for (const instance of [cached(), direct()]) {
      assert.equal(fileSystem(instance).Prefix, "");
      assert.deepEqual(fileSystem(instance).Bucket, { "Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}" });
      const sync = fileSystem(instance).SynchronizationConfiguration as {
        ImportDataRules: Record<string, Json>[];
        ExpirationDataRules: Json[];
      };
      assert.deepEqual(sync.ExpirationDataRules, [{ DaysAfterLastAccess: { Ref: "CachedDays" } }]);
      const root = sync.ImportDataRules.filter((rule) => rule.Prefix === "");
      assert.deepEqual(root, [{ Prefix: "", SizeLessThan: 131072, Trigger: "ON_DIRECTORY_FIRST_ACCESS" }]);
      for (const rule of sync.ImportDataRules) assert.match(String(rule.Prefix), /^(|.*\/)$/);
    }
    const rules = (fileSystem(cached()).SynchronizationConfiguration as { ImportDataRules: Record<string, Json>[] }).ImportDataRules;
    // The largest size S3 Files takes (the rule's maximum): every database, however big.
    assert.deepEqual(
      rules.filter((rule) => rule.Prefix !== ""),
      [
        { Prefix: "db/", SizeLessThan: 52673613135872, Trigger: "ON_FILE_ACCESS" },
        { Prefix: "live/db/", SizeLessThan: 52673613135872, Trigger: "ON_FILE_ACCESS" },
      ],
    );
    assert.equal((fileSystem(direct()).SynchronizationConfiguration as { ImportDataRules: Json[] }).ImportDataRules.length, 1);
  });

  // "An 'allow' permission ... in either an IAM identity policy or a file system resource policy
  // allows access": only an explicit deny guarantees read-only
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-security-iam.html).
  it("is read-only for every client: the file system policy denies ClientWrite and ClientRootAccess to all", () => {
    const policy = props(direct().resources.FileSystemPolicy);
    assert.deepEqual(policy.FileSystemId, { "Fn::GetAtt": ["FileSystem", "FileSystemId"] });
    const [statement, ...rest] = (policy.Policy as { Statement: Record<string, Json>[] }).Statement;
    assert.deepEqual(rest, []);
    assert.equal(statement!.Effect, "Deny");
    assert.deepEqual(statement!.Principal, { AWS: "*" });
    assert.deepEqual(actions(statement!).sort(), ["s3files:ClientRootAccess", "s3files:ClientWrite"]);
  });

  // The role S3 Files assumes: trusted by elasticfilesystem.amazonaws.com, scoped to this
  // account's file systems; it must exist before the file system, so no exact ARN
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-prereq-policies.html).
  it("gives S3 Files a role only this account's file systems can assume, limited to this bucket and its own rules", () => {
    const role = props(direct().resources.SyncRole);
    const [trust] = (role.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] }).Statement;
    assert.deepEqual(trust!.Principal, { Service: "elasticfilesystem.amazonaws.com" });
    assert.deepEqual(trust!.Condition, {
      StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
      ArnLike: { "aws:SourceArn": { "Fn::Sub": "arn:${AWS::Partition}:s3files:${AWS::Region}:${AWS::AccountId}:file-system/*" } },
    });
    assert.deepEqual(props(direct().resources.FileSystem).RoleArn, { "Fn::GetAtt": ["SyncRole", "Arn"] });
    const resources = statements(direct(), "SyncRole").flatMap((s) => [s.Resource].flat());
    for (const resource of resources) {
      const text = JSON.stringify(resource);
      assert.ok(text.includes("${BucketName}") || text.includes("rule/DO-NOT-DELETE-S3-Files*"), text);
    }
  });
});

describe("app.yaml --in-place", () => {
  it("off: no VPC, no file system, no mount variable, no S3 Files or EC2 permission: a plain site is unchanged", () => {
    for (const EnableCdn of ["true", "false"] as const) {
      const plain = instantiate(app, { EnableCdn, InPlace: "off" });
      assert.equal(fn(plain).VpcConfig, undefined);
      assert.equal(fn(plain).FileSystemConfigs, undefined);
      assert.equal(fn(plain).EphemeralStorage !== undefined, true);
      const env = (fn(plain).Environment as { Variables: Record<string, Json> }).Variables;
      assert.equal("DATASETTE_LAMBDA_MOUNT" in env, false);
      const granted = statements(plain, "Role").flatMap(actions);
      assert.deepEqual(
        granted.filter((action) => action.startsWith("s3files:") || action.startsWith("ec2:") || action === "s3:GetObjectVersion"),
        [],
      );
    }
    assert.equal(app.Parameters!.InPlace!.Default, "off");
  });

  // FileSystemConfigs needs the function in a VPC; Arn is an S3 Files access point; LocalMountPath one level under /mnt/
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-filesystemconfig.html).
  it("on: the function joins the NAME-files subnets and group and mounts the access point at the path the stub reads", () => {
    for (const mode of ["direct", "cached"] as const) {
      const f = fn(inPlaceApp(mode));
      assert.deepEqual(f.VpcConfig, {
        SubnetIds: { "Fn::Split": [",", { Ref: "SubnetIds" }] },
        SecurityGroupIds: [{ Ref: "SecurityGroupId" }],
      });
      const [config, ...more] = f.FileSystemConfigs as Record<string, Json>[];
      assert.deepEqual(more, []);
      assert.deepEqual(config!.Arn, { Ref: "AccessPointArn" });
      assert.match(String(config!.LocalMountPath), /^\/mnt\/[a-zA-Z0-9-_.]+$/);
      const env = (f.Environment as { Variables: Record<string, Json> }).Variables;
      assert.equal(env.DATASETTE_LAMBDA_MOUNT, config!.LocalMountPath);
    }
    // Whatever the mode, never a file system without the VPC it is reached through.
    for (const [, resource] of Object.entries(app.Resources).filter(([, r]) => r.Type === "AWS::Lambda::Function")) {
      const p = resource.Properties!;
      assert.equal(
        JSON.stringify(p.FileSystemConfigs)?.includes("UseInPlace") ?? true,
        JSON.stringify(p.VpcConfig)?.includes("UseInPlace") ?? true,
      );
    }
  });

  // DirectS3Read: AUTO reads directly from S3 at 512 MB of memory and more, DISABLED routes every
  // read through the file system (https://docs.aws.amazon.com/lambda/latest/api/API_S3FilesConfig.html).
  it("cached reads through the file system (DirectS3Read DISABLED), so the imported copy is read; direct lets Lambda choose", () => {
    const directRead = (mode: "direct" | "cached") =>
      ((fn(inPlaceApp(mode)).FileSystemConfigs as Record<string, Json>[])[0]!.S3FilesConfig as { DirectS3Read: string }).DirectS3Read;
    assert.equal(directRead("cached"), "DISABLED");
    assert.equal(directRead("direct"), "AUTO");
  });

  // ClientMount through our access point only, no ClientWrite; direct reads need s3:GetObject and
  // s3:GetObjectVersion (API_S3FilesConfig, above); the VPC actions are AWSLambdaVPCAccessExecutionRole's
  // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
  it("lets the function mount the file system through its access point only, read versions, and manage its network interfaces", () => {
    const all = statements(inPlaceApp("direct"), "Role");
    const mount = all.find((s) => actions(s).includes("s3files:ClientMount"))!;
    assert.deepEqual(actions(mount), ["s3files:ClientMount"]);
    assert.deepEqual(mount.Resource, { Ref: "FileSystemArn" });
    assert.deepEqual(mount.Condition, { StringEquals: { "s3files:AccessPointArn": { Ref: "AccessPointArn" } } });
    assert.deepEqual(
      all.flatMap(actions).filter((a) => a.startsWith("s3files:")),
      ["s3files:ClientMount"],
    );
    const versions = all.find((s) => actions(s).includes("s3:GetObjectVersion"))!;
    assert.deepEqual(versions.Resource, [
      { "Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}/db/*" },
      { "Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}/live/*" },
    ]);
    const network = all.find((s) => actions(s).includes("ec2:CreateNetworkInterface"))!;
    assert.deepEqual(actions(network).sort(), [
      "ec2:AssignPrivateIpAddresses",
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:UnassignPrivateIpAddresses",
    ]);
    // The converter function stays outside the VPC.
    const converter = props(inPlaceApp("direct").resources.ConverterFunction);
    assert.equal(converter.VpcConfig, undefined);
    assert.equal(converter.FileSystemConfigs, undefined);
  });

  // SnapStart is not available for functions with a file system
  // (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html): the template refuses the pair too.
  it("refuses InPlace with SnapStart in a Rules assertion, and allows either alone", () => {
    const [rule, ...others] = Object.values(app.Rules ?? {});
    assert.deepEqual(others, []);
    const [assertion] = rule!.Assertions;
    const holds = (SnapStart: string, InPlace: string) => {
      const [a, b] = (assertion!.Assert as { "Fn::Or": { "Fn::Equals": [{ Ref: string }, string] }[] })["Fn::Or"];
      const value = { SnapStart, InPlace } as Record<string, string>;
      return [a!, b!].some((e) => value[e["Fn::Equals"][0].Ref] === e["Fn::Equals"][1]);
    };
    assert.equal(holds("true", "off"), true);
    assert.equal(holds("false", "cached"), true);
    assert.equal(holds("true", "direct"), false);
    assert.equal(holds("true", "cached"), false);
  });

  it("takes the NAME-files outputs as parameters, in the shapes those resources have", () => {
    const p = app.Parameters!;
    const good = {
      SubnetIds: "subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788",
      SecurityGroupId: "sg-0123456789abcdef0",
      AccessPointArn: "arn:aws:s3files:eu-west-2:123456789012:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0",
      FileSystemArn: "arn:aws:s3files:eu-west-2:123456789012:file-system/fs-0123456789abcdef0",
    };
    for (const [name, value] of Object.entries(good)) {
      assert.deepEqual(violations(name, value, p[name]!), [], name);
      assert.deepEqual(violations(name, "", p[name]!), [], `${name} empty without --in-place`);
    }
    assert.notDeepEqual(violations("SubnetIds", "subnet-1,", p.SubnetIds!), []);
    assert.notDeepEqual(violations("AccessPointArn", good.FileSystemArn, p.AccessPointArn!), []);
    assert.notDeepEqual(violations("InPlace", "true", p.InPlace!), []);
  });
});

// S3 Files needs a versioned bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-files-prereq-policies.html).
describe("prereq.yaml for --in-place", () => {
  it("versions every site's bucket, and expires what garbage collection deletes a day later", () => {
    const bucket = Object.values(prereq.Resources).find((r) => r.Type === "AWS::S3::Bucket")!.Properties!;
    assert.deepEqual(bucket.VersioningConfiguration, { Status: "Enabled" });
    const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, Json>[] }).Rules;
    const expiry = rules.find((rule) => rule.NoncurrentVersionExpiration !== undefined)!;
    assert.equal(expiry.Status, "Enabled");
    assert.deepEqual(expiry.NoncurrentVersionExpiration, { NoncurrentDays: 1 });
    assert.equal(expiry.ExpiredObjectDeleteMarker, true);
    assert.equal(expiry.Prefix ?? expiry.Filter, undefined, "the whole bucket");
  });
});
