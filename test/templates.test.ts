import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { before, describe, it } from "node:test";
import vm from "node:vm";
import { appStackParameters, DEPLOY_TIME_PARAMETERS, FUNCTION_TEMPLATE_REVISION, SHARED_OUTPUTS } from "../src/plan/app-parameters.ts";
import { MAX_SITE_NAME_LENGTH } from "../src/plan/limits.ts";
import { PYTHON_RUNTIMES } from "../src/plan/runtimes.ts";
import { appStackName } from "../src/plan/stack-names.ts";
import { validateSiteName } from "../src/plan/validate.ts";
import type { DeployPlan } from "../src/plan/types.ts";
import {
  parseTemplate,
  readTemplate,
  templateParameterNames,
  templateUrl,
  TEMPLATES_DIR,
  type CfnParameter,
  type CfnTemplate,
  type TemplateName,
} from "../src/templates.ts";
import { cfnLint, formatFindings, type CfnLintFinding } from "./_helpers/cfn-lint.ts";
import { sampleDatabase, samplePlan } from "./_helpers/plan.ts";

const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
const TEMPLATE_BODY_LIMIT = 51_200;
/** How long failed/ keeps a file that could not be converted (README.md, docs/live-data.md). */
const FAILED_FILES_DAYS = 30;
/** FUNCTION_TEMPLATE_REVISION and a digest of app.yaml's Function properties at that revision (see the SnapStart tests). */
const FUNCTION_PROPERTIES_BY_REVISION = "5:e03b30b0f0acf49d";

let prereqText: string;
let appText: string;
let app: CfnTemplate;
let prereq: CfnTemplate;
let shared: CfnTemplate;

before(async () => {
  prereqText = await readTemplate("prereq");
  appText = await readTemplate("app");
  app = parseTemplate(appText);
  prereq = parseTemplate(prereqText);
  shared = parseTemplate(await readTemplate("shared"));
});

/** One inline and two S3 databases, 2 GB of /tmp. */
function planWithS3(overrides: Partial<DeployPlan> = {}): DeployPlan {
  return samplePlan({
    databases: [sampleDatabase("fixtures", "inline"), sampleDatabase("big", "s3"), sampleDatabase("more", "s3")],
    ephemeralStorageMb: 2048,
    ...overrides,
  });
}
const sampleKeys = { packageKey: `package/${"b".repeat(64)}.zip`, layerKey: `layer/${"c".repeat(64)}.zip` };

// --- A small evaluator for the template's conditions, so each CDN mode can be
// checked as CloudFormation would instantiate it. ---

type Json = unknown;

function evalCondition(expr: Json, template: CfnTemplate, params: Record<string, string>): boolean {
  const node = expr as Record<string, Json>;
  if ("Condition" in node) return evalCondition(template.Conditions?.[node.Condition as string], template, params);
  if ("Fn::Not" in node) return !evalCondition((node["Fn::Not"] as Json[])[0], template, params);
  if ("Fn::And" in node) return (node["Fn::And"] as Json[]).every((e) => evalCondition(e, template, params));
  if ("Fn::Or" in node) return (node["Fn::Or"] as Json[]).some((e) => evalCondition(e, template, params));
  if ("Fn::Equals" in node) {
    const [a, b] = (node["Fn::Equals"] as Json[]).map((v) => resolveValue(v, params));
    return a === b;
  }
  throw new Error(`unsupported condition ${JSON.stringify(expr)}`);
}

function resolveValue(value: Json, params: Record<string, string>): Json {
  if (value && typeof value === "object" && "Ref" in value) return params[(value as { Ref: string }).Ref];
  return value;
}

/** The parameters the conditions read: the CDN switch, the custom domain, SnapStart. */
interface Mode {
  EnableCdn: "true" | "false";
  DomainName?: string;
  SnapStart?: "true" | "false";
}

function conditionValues(template: CfnTemplate, mode: Mode): Record<string, boolean> {
  const params: Record<string, string> = { DomainName: "", SnapStart: "false", ...mode };
  return Object.fromEntries(
    Object.keys(template.Conditions ?? {}).map((name) => [name, evalCondition({ Condition: name }, template, params)]),
  );
}

/** Replaces every Fn::If by its chosen branch; AWS::NoValue disappears. */
function chooseBranches(value: Json, conditions: Record<string, boolean>): Json {
  if (Array.isArray(value)) return value.map((v) => chooseBranches(v, conditions)).filter((v) => v !== NO_VALUE);
  if (value && typeof value === "object") {
    const node = value as Record<string, Json>;
    if ("Fn::If" in node) {
      const [name, yes, no] = node["Fn::If"] as [string, Json, Json];
      assert.ok(name in conditions, `Fn::If names unknown condition ${name}`);
      return chooseBranches(conditions[name] ? yes : no, conditions);
    }
    if (node.Ref === "AWS::NoValue") return NO_VALUE;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) {
      const chosen = chooseBranches(v, conditions);
      if (chosen !== NO_VALUE) out[k] = chosen;
    }
    return out;
  }
  return value;
}
const NO_VALUE = Symbol("AWS::NoValue");

interface Instance {
  resources: Record<string, Record<string, Json>>;
  outputs: Record<string, Json>;
}

/** The resources and outputs CloudFormation would create in a mode ("true"/"false": EnableCdn, no domain). */
function instantiate(template: CfnTemplate, mode: Mode | "true" | "false"): Instance {
  const conditions = conditionValues(template, typeof mode === "string" ? { EnableCdn: mode } : mode);
  const present = (c: string | undefined) => c === undefined || conditions[c] === true;
  const resources: Instance["resources"] = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (present(r.Condition)) resources[id] = chooseBranches(r, conditions) as Record<string, Json>;
  }
  const outputs: Instance["outputs"] = {};
  for (const [id, o] of Object.entries(template.Outputs ?? {})) {
    if (present(o.Condition)) outputs[id] = chooseBranches(o.Value, conditions);
  }
  return { resources, outputs };
}

/** Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub. */
function references(value: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (value && typeof value === "object") {
    const node = value as Record<string, Json>;
    if (typeof node.Ref === "string") found.add(node.Ref);
    if (Array.isArray(node["Fn::GetAtt"])) found.add(node["Fn::GetAtt"][0] as string);
    if ("Fn::Sub" in node) {
      const sub = node["Fn::Sub"];
      const [text, vars] = Array.isArray(sub) ? [sub[0] as string, (sub[1] ?? {}) as Record<string, Json>] : [sub as string, {}];
      for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const name = match[1]!.split(".")[0]!;
        if (!(name in vars)) found.add(name);
      }
      references(vars, found);
    }
    for (const [k, v] of Object.entries(node)) if (k !== "Ref" && k !== "Fn::GetAtt") references(v, found);
  }
  return found;
}

function resourcesOfType(instance: Instance, type: string): [string, Record<string, Json>][] {
  return Object.entries(instance.resources).filter(([, r]) => r.Type === type);
}

function props(resource: Json): Record<string, Json> {
  return (resource as { Properties: Record<string, Json> }).Properties;
}

/** The front door's permissions: those on the site's function (the converter has its own). */
function sitePermissions(instance: Instance): Record<string, Json>[] {
  return resourcesOfType(instance, "AWS::Lambda::Permission")
    .map(([, r]) => props(r))
    .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify({ Ref: "Function" }));
}

/** Checks a parameter value the way CloudFormation does before creating anything. */
function violations(name: string, value: string, p: CfnParameter): string[] {
  const problems: string[] = [];
  if (p.AllowedValues && !p.AllowedValues.map(String).includes(value)) problems.push(`${name}=${value} not in AllowedValues`);
  if (p.AllowedPattern && !new RegExp(`^(?:${p.AllowedPattern})$`).test(value)) problems.push(`${name}=${value} fails AllowedPattern`);
  if (p.Type === "Number") {
    const n = Number(value);
    if (!Number.isFinite(n)) problems.push(`${name}=${value} is not a number`);
    if (p.MinValue !== undefined && n < p.MinValue) problems.push(`${name}=${value} < MinValue`);
    if (p.MaxValue !== undefined && n > p.MaxValue) problems.push(`${name}=${value} > MaxValue`);
  }
  if (p.MinLength !== undefined && value.length < p.MinLength) problems.push(`${name} shorter than MinLength`);
  if (p.MaxLength !== undefined && value.length > p.MaxLength) problems.push(`${name} longer than MaxLength`);
  return problems;
}

describe("templates on disk", () => {
  it("resolve from templates/ at the package root (the same relative path from src/ and dist/)", () => {
    assert.equal(fileURLToPath(TEMPLATES_DIR), fileURLToPath(new URL("../templates/", import.meta.url)));
    assert.ok(existsSync(templateUrl("prereq")) && existsSync(templateUrl("app")));
  });

  it("fit in a CloudFormation TemplateBody (51,200 bytes)", async () => {
    for (const text of [prereqText, appText, await readTemplate("certificate"), await readTemplate("shared")])
      assert.ok(Buffer.byteLength(text) < TEMPLATE_BODY_LIMIT, `${Buffer.byteLength(text)} bytes`);
  });
});

describe("cfn-lint", () => {
  // One cfn-lint run for both files: the EnableCdn modes are conditions of one
  // template, so cfn-lint checks both; the structural tests below prove each.
  let findings: CfnLintFinding[];
  before(async () => {
    findings = await cfnLint(["prereq", "app", "certificate", "shared"].map((name) => fileURLToPath(templateUrl(name as TemplateName))));
  });

  // app.yaml's domain and CDN modes are conditions of one template: cfn-lint checks every branch.
  for (const name of ["prereq", "app", "certificate", "shared"] as const) {
    it(`finds no error or warning in ${name}.yaml`, () => {
      const mine = findings.filter((f) => f.Filename.endsWith(`${name}.yaml`) && f.Level !== "Informational");
      assert.deepEqual(mine, [], formatFindings(mine));
    });
  }
});

describe("parseTemplate", () => {
  it("turns short-form tags into long-form intrinsic functions", () => {
    const t = parseTemplate(
      [
        "Resources:",
        "  R:",
        "    Type: X",
        "    Properties:",
        "      A: !Ref P",
        "      B: !GetAtt Res.Attr.Sub",
        "      C: !Sub 'x-${P}'",
        "      D: !Sub ['${A}', {A: !Ref P}]",
        "      E: !If [Cond, !Select [0, !Split [',', !Ref P]], !Ref AWS::NoValue]",
        "      F: !Not [!Condition Cond]",
      ].join("\n"),
    );
    assert.deepEqual(t.Resources.R?.Properties, {
      A: { Ref: "P" },
      B: { "Fn::GetAtt": ["Res", "Attr.Sub"] },
      C: { "Fn::Sub": "x-${P}" },
      D: { "Fn::Sub": ["${A}", { A: { Ref: "P" } }] },
      E: { "Fn::If": ["Cond", { "Fn::Select": [0, { "Fn::Split": [",", { Ref: "P" }] }] }, { Ref: "AWS::NoValue" }] },
      F: { "Fn::Not": [{ Condition: "Cond" }] },
    });
  });

  it("rejects YAML that is not a template", () => {
    assert.throws(() => parseTemplate("just: text"), /no Resources/);
  });
});

describe("app.yaml parameters", () => {
  it("are exactly appStackParameters() plus the deploy-time ones", () => {
    const fromPlan = Object.keys(appStackParameters(planWithS3(), sampleKeys));
    assert.deepEqual([...fromPlan, ...DEPLOY_TIME_PARAMETERS].sort(), templateParameterNames(appText).sort());
  });

  it("accept the values a plan produces, in both CDN modes, with and without SnapStart", () => {
    const parameters = app.Parameters ?? {};
    for (const plan of [
      planWithS3(),
      planWithS3({ cdn: false, arch: "x86_64", runtime: "python3.12", databases: [], prefix: "x/y" }),
      planWithS3({ snapstart: true, ephemeralStorageMb: 512 }),
    ]) {
      const values: Record<string, string> = {
        ...appStackParameters(plan, sampleKeys),
        BucketName: "mysite-bucket-1a2b3c4d5e6f",
        DatasetteSecret: "f".repeat(64),
        HostedZoneId: "",
        CertificateArn: "",
      };
      const problems = Object.entries(values).flatMap(([name, value]) => violations(name, value, parameters[name]!));
      assert.deepEqual(problems, []);
    }
  });

  it("reject values outside Lambda's limits", () => {
    const p = app.Parameters!;
    assert.notDeepEqual(violations("MemorySize", "127", p.MemorySize!), []);
    assert.notDeepEqual(violations("MemorySize", "10241", p.MemorySize!), []);
    assert.notDeepEqual(violations("Timeout", "0", p.Timeout!), []);
    assert.notDeepEqual(violations("Timeout", "901", p.Timeout!), []);
    assert.notDeepEqual(violations("EphemeralStorageSize", "511", p.EphemeralStorageSize!), []);
    assert.notDeepEqual(violations("EphemeralStorageSize", "10241", p.EphemeralStorageSize!), []);
    assert.notDeepEqual(violations("Architecture", "arm", p.Architecture!), []);
    assert.notDeepEqual(violations("EnableCdn", "yes", p.EnableCdn!), []);
    assert.notDeepEqual(violations("DatabaseKeys", "db/a,", p.DatabaseKeys!), []);
    assert.deepEqual(violations("DatabaseKeys", "", p.DatabaseKeys!), []);
    for (const runtime of ["python3.11", "python3.12", "python3.13"]) assert.deepEqual(violations("Runtime", runtime, p.Runtime!), []);
    assert.notDeepEqual(violations("PathPrefix", "x", p.PathPrefix!), []);
    assert.notDeepEqual(violations("PathPrefix", "/x/", p.PathPrefix!), []);
    assert.deepEqual(violations("PathPrefix", "/x/y", p.PathPrefix!), []);
    assert.notDeepEqual(violations("HostedZoneId", "/hostedzone/Z123", p.HostedZoneId!), []);
    assert.deepEqual(violations("HostedZoneId", "Z0123456789ABC", p.HostedZoneId!), []);
    assert.notDeepEqual(violations("CertificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/abc", p.CertificateArn!), []);
    assert.deepEqual(violations("CertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc", p.CertificateArn!), []);
  });

  it("accept the domain parameters of a --domain deploy", () => {
    const p = app.Parameters!;
    const values: Record<string, string> = {
      ...appStackParameters(planWithS3({ domain: "data.example.com" }), sampleKeys),
      HostedZoneId: "Z0123456789ABCDEFGHIJ",
      CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555",
    };
    assert.equal(values.DomainName, "data.example.com");
    assert.deepEqual(
      Object.entries(values).flatMap(([name, value]) => violations(name, value, p[name]!)),
      [],
    );
  });

  // None listed: the CLI checks Lambda's dates, and cfn-lint would warn on a listed runtime once deprecated.
  it("accept every runtime the CLI offers, and list none", () => {
    const runtime = app.Parameters!.Runtime!;
    assert.equal(runtime.AllowedValues, undefined);
    assert.equal(runtime.Default, undefined);
    for (const { id } of PYTHON_RUNTIMES) assert.deepEqual(violations("Runtime", id, runtime), [], id);
    assert.notDeepEqual(violations("Runtime", "nodejs22.x", runtime), []);
  });

  it("hide the secret and never output it", () => {
    assert.equal(app.Parameters?.DatasetteSecret?.NoEcho, true);
    assert.ok(!references(app.Outputs).has("DatasetteSecret"));
  });
});

describe("app.yaml in both modes", () => {
  for (const EnableCdn of ["true", "false"] as const) {
    for (const SnapStart of ["true", "false"] as const) {
      it(
        `EnableCdn=${EnableCdn} SnapStart=${SnapStart}: ` +
          "every reference points at a resource, parameter or pseudo parameter that exists",
        () => {
          const instance = instantiate(app, { EnableCdn, SnapStart });
          const known = new Set([...Object.keys(instance.resources), ...Object.keys(app.Parameters ?? {})]);
          for (const [id, value] of [...Object.entries(instance.resources), ...Object.entries(instance.outputs)]) {
            for (const ref of references(value)) {
              assert.ok(
                known.has(ref) || ref.startsWith("AWS::"),
                `${id} refers to ${ref}, absent when EnableCdn=${EnableCdn} SnapStart=${SnapStart}`,
              );
            }
          }
        },
      );
    }
  }

  it("CDN: CloudFront in front of an IAM-only Function URL, both CloudFront permissions, no public ones", () => {
    const cdn = instantiate(app, "true");
    const types = Object.values(cdn.resources).map((r) => r.Type);
    // The distribution is the site's; its policies, OAC and function are the account's (shared.yaml).
    assert.deepEqual(
      types.filter((type) => String(type).startsWith("AWS::CloudFront::")),
      ["AWS::CloudFront::Distribution"],
    );
    const [, url] = resourcesOfType(cdn, "AWS::Lambda::Url")[0]!;
    assert.equal(props(url).AuthType, "AWS_IAM");
    assert.equal(props(url).InvokeMode, "BUFFERED");
    const permissions = sitePermissions(cdn);
    assert.equal(permissions.length, 2);
    assert.ok(permissions.every((p) => p.Principal === "cloudfront.amazonaws.com"));
    // The Invoke API only through the Function URL, as for the public permissions.
    assert.equal(permissions.find((p) => p.Action === "lambda:InvokeFunction")?.InvokedViaFunctionUrl, true);
    assert.deepEqual(permissions.map((p) => p.Action).sort(), ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]);
    const distributionArn = { "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}" };
    for (const p of permissions) assert.deepEqual(p.SourceArn, distributionArn);
    assert.equal(permissions.find((p) => p.Action === "lambda:InvokeFunctionUrl")?.FunctionUrlAuthType, "AWS_IAM");
    assert.deepEqual(Object.keys(cdn.outputs).sort(), [
      "ConverterFunctionName",
      "ConverterLogGroupName",
      "DatabaseKeys",
      "DistributionId",
      "DistributionUrl",
      "FunctionName",
      "FunctionUrl",
      "LogGroupName",
      "SiteUrl",
    ]);
    assert.deepEqual(cdn.outputs.SiteUrl, { "Fn::Sub": "https://${Distribution.DomainName}/" });
  });

  it("no CDN: no CloudFront at all, a public Function URL with both public permissions", () => {
    const direct = instantiate(app, "false");
    assert.deepEqual(
      Object.values(direct.resources).filter((r) => String(r.Type).startsWith("AWS::CloudFront::")),
      [],
    );
    const [, url] = resourcesOfType(direct, "AWS::Lambda::Url")[0]!;
    assert.equal(props(url).AuthType, "NONE");
    const permissions = sitePermissions(direct);
    assert.deepEqual(permissions.map((p) => [p.Action, p.Principal]).sort(), [
      ["lambda:InvokeFunction", "*"],
      ["lambda:InvokeFunctionUrl", "*"],
    ]);
    assert.equal(permissions.find((p) => p.Action === "lambda:InvokeFunctionUrl")?.FunctionUrlAuthType, "NONE");
    // Without it, "*" could call the Invoke API directly from any account.
    assert.equal(permissions.find((p) => p.Action === "lambda:InvokeFunction")?.InvokedViaFunctionUrl, true);
    assert.deepEqual(Object.keys(direct.outputs).sort(), [
      "ConverterFunctionName",
      "ConverterLogGroupName",
      "DatabaseKeys",
      "FunctionName",
      "FunctionUrl",
      "LogGroupName",
      "SiteUrl",
    ]);
    assert.deepEqual(direct.outputs.SiteUrl, { "Fn::GetAtt": ["FunctionUrl", "FunctionUrl"] });
  });

  it("puts every CloudFront resource and CloudFront permission under the UseCdn condition", () => {
    assert.deepEqual(app.Conditions?.UseCdn, { "Fn::Equals": [{ Ref: "EnableCdn" }, "true"] });
    const cloudFront = Object.entries(app.Resources).filter(
      ([, r]) => r.Type.startsWith("AWS::CloudFront::") || r.Properties?.Principal === "cloudfront.amazonaws.com",
    );
    // The distribution and its two invoke permissions: CloudFront's other parts are shared.yaml's.
    assert.equal(cloudFront.length, 3);
    for (const [id, r] of cloudFront) assert.equal(r.Condition, "UseCdn", id);
    assert.equal(app.Outputs?.DistributionId?.Condition, "UseCdn");
    assert.equal(app.Outputs?.DistributionUrl?.Condition, "UseCdn");
    // Domain records only exist with CloudFront, and HasDomain implies UseCdn.
    for (const [id, r] of Object.entries(app.Resources).filter(([, r]) => r.Type.startsWith("AWS::Route53::"))) {
      assert.equal(r.Condition, "HasDomain", id);
    }
    assert.equal(conditionValues(app, { EnableCdn: "false", DomainName: "data.example.com" }).HasDomain, false);
  });
});

describe("app.yaml --snapstart", () => {
  const LAMBDA_TYPES = ["AWS::Lambda::Version", "AWS::Lambda::Alias"];
  // The site's invoke permissions (the converter function's, for EventBridge, is another function's).
  const permissionTargets = (instance: Instance) =>
    resourcesOfType(instance, "AWS::Lambda::Permission")
      .map(([, r]) => props(r))
      .filter((p) => p.Principal !== "events.amazonaws.com")
      .map((p) => p.FunctionName);

  it("a plain deploy has no version, no alias, no SnapStart setting and no qualifier: nothing churns", () => {
    for (const EnableCdn of ["true", "false"] as const) {
      const plain = instantiate(app, { EnableCdn, SnapStart: "false" });
      assert.deepEqual(
        Object.values(plain.resources).filter((r) => LAMBDA_TYPES.includes(String(r.Type))),
        [],
      );
      assert.equal(props(plain.resources.Function).SnapStart, undefined);
      assert.equal(props(plain.resources.FunctionUrl).Qualifier, undefined);
      assert.deepEqual(props(plain.resources.FunctionUrl).TargetFunctionArn, { "Fn::GetAtt": ["Function", "Arn"] });
      for (const target of permissionTargets(plain)) assert.deepEqual(target, { Ref: "Function" });
      assert.equal(plain.outputs.FunctionVersion, undefined);
    }
    assert.equal(app.Parameters?.SnapStart?.Default, "false");
  });

  it("SnapStart on published versions, one version and the alias live serving it", () => {
    const snap = instantiate(app, { EnableCdn: "true", SnapStart: "true" });
    assert.deepEqual(props(snap.resources.Function).SnapStart, { ApplyOn: "PublishedVersions" });
    const version = snap.resources.FunctionVersion!;
    assert.equal(version.Type, "AWS::Lambda::Version");
    assert.deepEqual(props(version).FunctionName, { Ref: "Function" });
    // A new fingerprint replaces the version (Description is create-only): a new one is published.
    assert.deepEqual(props(version).Description, { "Fn::Sub": "datasette-lambda ${VersionFingerprint}" });
    const alias = snap.resources.LiveAlias!;
    assert.equal(alias.Type, "AWS::Lambda::Alias");
    assert.deepEqual(props(alias).FunctionVersion, { "Fn::GetAtt": ["FunctionVersion", "Version"] });
    assert.equal(props(alias).Name, "live");
    assert.deepEqual(snap.outputs.FunctionVersion, { "Fn::GetAtt": ["FunctionVersion", "Version"] });
  });

  it("deletes the version it replaces: every cached version is billed", () => {
    const version = app.Resources.FunctionVersion!;
    assert.equal(version.Condition, "UseSnapStart");
    assert.equal(version.DeletionPolicy, "Delete");
    assert.equal(version.UpdateReplacePolicy, "Delete");
    assert.equal(app.Resources.LiveAlias!.Condition, "UseSnapStart");
    assert.deepEqual(app.Conditions?.UseSnapStart, { "Fn::Equals": [{ Ref: "SnapStart" }, "true"] });
  });

  it("the Function URL, and so CloudFront, invoke the alias; every permission is the alias's", () => {
    for (const EnableCdn of ["true", "false"] as const) {
      const snap = instantiate(app, { EnableCdn, SnapStart: "true" });
      const url = props(snap.resources.FunctionUrl);
      assert.deepEqual(url.TargetFunctionArn, { "Fn::GetAtt": ["Function", "Arn"] });
      const qualifier = url.Qualifier as { "Fn::Select": [number, { "Fn::Split": [string, Json] }] };
      assert.deepEqual(qualifier["Fn::Select"][1]["Fn::Split"][1], { Ref: "LiveAlias" });
      // Ref of an alias is its ARN: the Select picks the alias name out of it.
      const aliasArn = "arn:aws:lambda:eu-west-1:123456789012:function:mysite-lambda:live";
      assert.equal(
        aliasArn.split(qualifier["Fn::Select"][1]["Fn::Split"][0])[qualifier["Fn::Select"][0]],
        props(snap.resources.LiveAlias).Name,
      );
      const targets = permissionTargets(snap);
      assert.equal(targets.length, 2);
      for (const target of targets) assert.deepEqual(target, { Ref: "LiveAlias" });
      if (EnableCdn === "true") {
        const origin = (
          (props(snap.resources.Distribution).DistributionConfig as Record<string, Json>).Origins as Record<string, Json>[]
        )[0]!;
        assert.deepEqual(origin.DomainName, {
          "Fn::Select": [2, { "Fn::Split": ["/", { "Fn::GetAtt": ["FunctionUrl", "FunctionUrl"] }] }],
        });
      }
    }
  });

  it("changes the fingerprint with the package (code) and with the template's function properties (handler)", () => {
    const fingerprint = (keys: typeof sampleKeys) =>
      appStackParameters(planWithS3({ snapstart: true, ephemeralStorageMb: 512 }), keys).VersionFingerprint;
    // New code is a new package, so a new key: an existing SnapStart site publishes a version and the alias moves.
    assert.notEqual(fingerprint({ ...sampleKeys, packageKey: "package/other.zip" }), fingerprint(sampleKeys));
    // The function's properties are not parameters: a change to them must come with a new
    // FUNCTION_TEMPLATE_REVISION. Record the digest of the properties with the revision.
    const digest = createHash("sha256").update(JSON.stringify(app.Resources.Function!.Properties)).digest("hex").slice(0, 16);
    assert.equal(
      `${FUNCTION_TEMPLATE_REVISION}:${digest}`,
      FUNCTION_PROPERTIES_BY_REVISION,
      "templates/app.yaml changed the Function's properties: " +
        "bump FUNCTION_TEMPLATE_REVISION (src/plan/app-parameters.ts) and record the new digest here",
    );
  });

  it("takes the fingerprint a SnapStart plan gives, and an empty one otherwise", () => {
    const p = app.Parameters!.VersionFingerprint!;
    const on = appStackParameters(planWithS3({ snapstart: true, ephemeralStorageMb: 512 }), sampleKeys).VersionFingerprint!;
    assert.match(on, /^[0-9a-f]{64}$/);
    assert.deepEqual(violations("VersionFingerprint", on, p), []);
    assert.deepEqual(violations("VersionFingerprint", "", p), []);
    assert.notDeepEqual(violations("VersionFingerprint", "abc", p), []);
    assert.equal(appStackParameters(planWithS3(), sampleKeys).VersionFingerprint, "");
  });
});

describe("app.yaml CloudFront, with the shared parts of shared.yaml", () => {
  const cloudFront = () => instantiate(app, "true").resources;

  it("copies the viewer Host into x-forwarded-host, overwriting or removing what the client sent", () => {
    const fn = shared.Resources.ViewerRequestFunction! as unknown as Json;
    assert.equal((fn as { Type: string }).Type, "AWS::CloudFront::Function");
    const config = props(fn).FunctionConfig as Record<string, Json>;
    assert.equal(config.Runtime, "cloudfront-js-2.0");
    type Request = { headers: Record<string, { value: string }>; uri: string };
    const inVm = vm.runInNewContext(`${props(fn).FunctionCode as string}\nhandler;`, {}) as (event: Json) => Request;
    // JSON round trip: objects made inside the vm have the vm's prototypes.
    const handler = (event: Json): Request => JSON.parse(JSON.stringify(inVm(event))) as Request;
    const event = (headers: Record<string, { value: string }>) => ({
      version: "1.0",
      context: { eventType: "viewer-request" },
      viewer: { ip: "192.0.2.1" },
      request: { method: "GET", uri: "/db/table", querystring: {}, headers, cookies: {} },
    });

    const plain = handler(event({ host: { value: "d111.cloudfront.net" }, accept: { value: "text/html" } }));
    assert.deepEqual(plain.headers["x-forwarded-host"], { value: "d111.cloudfront.net" });
    assert.deepEqual(plain.headers.accept, { value: "text/html" });
    assert.equal(plain.uri, "/db/table");

    const spoofed = handler(event({ host: { value: "data.example.org" }, "x-forwarded-host": { value: "evil.example" } }));
    assert.deepEqual(spoofed.headers["x-forwarded-host"], { value: "data.example.org" });

    const hostless = handler(event({ "x-forwarded-host": { value: "evil.example" } }));
    assert.ok(!("x-forwarded-host" in hostless.headers));

    // OAC replaces Authorization with its signature: the viewer's travels under a header of ours, never one a client chose.
    const token = handler(event({ host: { value: "h" }, authorization: { value: "Bearer dstok_x" } }));
    assert.deepEqual(token.headers["x-datasette-lambda-authorization"], { value: "Bearer dstok_x" });
    const forged = handler(event({ host: { value: "h" }, "x-datasette-lambda-authorization": { value: "Bearer stolen" } }));
    assert.ok(!("x-datasette-lambda-authorization" in forged.headers));
  });

  // Lambda refuses a signed body without its SHA-256 in x-amz-content-sha256; an origin-request
  // Lambda@Edge function with IncludeBody sees the body and sets it. Triggers are per behaviour and
  // event type: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-cloudfront-trigger-events.html
  it("runs the shared origin-request function, with the body, on the default behaviour only", () => {
    const config = props(cloudFront().Distribution).DistributionConfig as Record<string, Json>;
    const behavior = config.DefaultCacheBehavior as Record<string, Json>;
    assert.deepEqual(behavior.LambdaFunctionAssociations, [
      { EventType: "origin-request", IncludeBody: true, LambdaFunctionARN: { Ref: "SharedEdgeFunctionVersionArn" } },
    ]);
    for (const other of config.CacheBehaviors as Record<string, Json>[]) assert.equal(other.LambdaFunctionAssociations, undefined);
    assert.deepEqual(shared.Outputs?.EdgeFunctionVersionArn?.Value, { Ref: "EdgeVersion" });
    // A numbered version in us-east-1 (never $LATEST or an alias), or empty without CloudFront.
    const p = app.Parameters!.SharedEdgeFunctionVersionArn!;
    assert.deepEqual(
      violations("SharedEdgeFunctionVersionArn", "arn:aws:lambda:us-east-1:123456789012:function:datasette-lambda-edge-1a2b3c4d:3", p),
      [],
    );
    assert.deepEqual(violations("SharedEdgeFunctionVersionArn", "", p), []);
    for (const bad of ["arn:aws:lambda:eu-west-1:123456789012:function:f:3", "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"]) {
      assert.notDeepEqual(violations("SharedEdgeFunctionVersionArn", bad, p), [], bad);
    }
  });

  it("runs the function on viewer requests of the default cache behaviour", () => {
    const behavior = (props(cloudFront().Distribution).DistributionConfig as Record<string, Json>).DefaultCacheBehavior as Record<
      string,
      Json
    >;
    assert.deepEqual(behavior.FunctionAssociations, [{ EventType: "viewer-request", FunctionARN: { Ref: "SharedViewerFunctionArn" } }]);
    assert.deepEqual(shared.Outputs?.ViewerFunctionArn?.Value, { "Fn::GetAtt": ["ViewerRequestFunction", "FunctionARN"] });
    assert.deepEqual(behavior.CachePolicyId, { Ref: "SharedCachePolicyId" });
    assert.deepEqual(shared.Outputs?.CachePolicyId?.Value, { Ref: "CachePolicy" });
  });

  it("keys the cache on all query strings, cookies and the viewer's host, with TTLs from the origin", () => {
    const config = props(shared.Resources.CachePolicy).CachePolicyConfig as Record<string, Json>;
    const key = config.ParametersInCacheKeyAndForwardedToOrigin as Record<string, Record<string, Json>>;
    assert.equal(key.QueryStringsConfig?.QueryStringBehavior, "all");
    // Pages carry absolute links: a page made for one host name must not be served under another.
    // x-forwarded-host, set by the shared ViewerRequestFunction before the lookup; Host itself must never reach the origin.
    assert.equal(key.HeadersConfig?.HeaderBehavior, "whitelist");
    // The viewer's Authorization, carried past OAC: a response to one token never serves another, or anonymous visitors.
    assert.deepEqual(key.HeadersConfig?.Headers, ["x-forwarded-host", "x-datasette-lambda-authorization"]);
    // Responses are reused only for requests with the same cookies, ds_actor included.
    assert.equal(key.CookiesConfig?.CookieBehavior, "all");
    assert.equal(config.MinTTL, 0);
    assert.equal(config.DefaultTTL, 0);
    assert.ok((config.MaxTTL as number) > 0);
    assert.equal(key.EnableAcceptEncodingGzip, true);
    assert.equal(key.EnableAcceptEncodingBrotli, true);
  });

  it("caches /-/static/ and /-/static-plugins/ for a day, query string in the key, under the prefix", () => {
    const config = props(cloudFront().Distribution).DistributionConfig as Record<string, Json>;
    const behaviors = config.CacheBehaviors as Record<string, Json>[];
    const pattern = (behavior: Record<string, Json>, pathPrefix: string) =>
      (behavior.PathPattern as { "Fn::Sub": string })["Fn::Sub"].replace("${PathPrefix}", pathPrefix);
    // CloudFront path patterns: * matches any characters, / included.
    const matches = (glob: string, path: string) =>
      new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(path);
    for (const prefix of [null, "x", "x/y"]) {
      const { PathPrefix } = appStackParameters(samplePlan({ prefix }), sampleKeys);
      const base = prefix ? `/${prefix}/` : "/";
      const patterns = behaviors.map((b) => pattern(b, PathPrefix!));
      // The URLs Datasette 0.65 links its assets with under base_url.
      for (const asset of [`${base}-/static/app.css?1234abcd`, `${base}-/static-plugins/datasette_vega/main.js`]) {
        assert.ok(
          patterns.some((glob) => matches(glob, asset.split("?")[0]!)),
          `${asset} not matched by ${patterns.join(", ")}`,
        );
      }
      assert.ok(!patterns.some((glob) => matches(glob, `${base}fixtures/-/static`)), "a database page is not a static asset");
      if (prefix) assert.ok(!patterns.some((glob) => matches(glob, "/-/static/app.css")), "outside the prefix is not the site's");
    }
    for (const behavior of behaviors) {
      assert.deepEqual(behavior.CachePolicyId, { Ref: "SharedStaticCachePolicyId" });
      assert.equal(behavior.TargetOriginId, "function-url");
      assert.deepEqual(behavior.AllowedMethods, ["GET", "HEAD"]);
      // No viewer Host may reach the Function URL: no origin request policy forwarding it.
      assert.equal(behavior.OriginRequestPolicyId, undefined);
    }
    assert.deepEqual(shared.Outputs?.StaticCachePolicyId?.Value, { Ref: "StaticCachePolicy" });
    const staticConfig = props(shared.Resources.StaticCachePolicy).CachePolicyConfig as Record<string, Json>;
    const key = staticConfig.ParametersInCacheKeyAndForwardedToOrigin as Record<string, Record<string, Json>>;
    // Datasette sends no Cache-Control for these: DefaultTTL is what applies.
    assert.ok((staticConfig.DefaultTTL as number) >= 3600);
    assert.equal(key.QueryStringsConfig?.QueryStringBehavior, "all");
    assert.equal(key.CookiesConfig?.CookieBehavior, "none");
    assert.equal(key.HeadersConfig?.HeaderBehavior, "none");
  });

  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-expiration.html
  // and HTTPStatusCodes.html: 404, 405, 414 and 500-504 are always cached (400 and 403 with
  // a max-age), 10 s by default; no-store is honoured only on 404, 410, 414 and 501.
  it("keeps no 400/403/404/405/500/502/503/504 longer than the origin says (CloudFront's default is 10 s, no-store ignored)", () => {
    const config = props(cloudFront().Distribution).DistributionConfig as Record<string, Json>;
    const errors = config.CustomErrorResponses as { ErrorCode: number; ErrorCachingMinTTL: number; ResponsePagePath?: string }[];
    // 502: a crashed function; 503: the stub's "loading, retry shortly"; 504: origin timeout.
    assert.deepEqual(errors.map((e) => e.ErrorCode).sort(), [400, 403, 404, 405, 500, 502, 503, 504]);
    for (const error of errors) {
      assert.equal(error.ErrorCachingMinTTL, 0, String(error.ErrorCode));
      assert.equal(error.ResponsePagePath, undefined, "the origin's own error page is kept");
    }
  });

  it("forwards everything but Host to an HTTPS-only Function URL origin signed by OAC", () => {
    const resources = cloudFront();
    const config = props(resources.Distribution).DistributionConfig as Record<string, Json>;
    const behavior = config.DefaultCacheBehavior as Record<string, Json>;
    assert.equal(behavior.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_HEADER);
    assert.deepEqual(behavior.CachePolicyId, { Ref: "SharedCachePolicyId" });
    assert.equal(behavior.ViewerProtocolPolicy, "redirect-to-https");
    assert.deepEqual([...(behavior.AllowedMethods as string[])].sort(), ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
    assert.equal(behavior.Compress, true);
    assert.equal(config.PriceClass, "PriceClass_100");
    assert.equal(config.HttpVersion, "http2and3");

    const [origin] = config.Origins as Record<string, Json>[];
    assert.equal(origin!.Id, behavior.TargetOriginId);
    assert.equal((origin!.CustomOriginConfig as Record<string, Json>).OriginProtocolPolicy, "https-only");
    assert.deepEqual(origin!.OriginAccessControlId, { Ref: "SharedOriginAccessControlId" });
    assert.deepEqual(shared.Outputs?.OriginAccessControlId?.Value, { "Fn::GetAtt": ["OriginAccessControl", "Id"] });
    // Select 2 of Split "/" turns the Function URL into its host name.
    assert.deepEqual(origin!.DomainName, { "Fn::Select": [2, { "Fn::Split": ["/", { "Fn::GetAtt": ["FunctionUrl", "FunctionUrl"] }] }] });
    assert.equal("https://abcdefgh.lambda-url.eu-west-1.on.aws/".split("/")[2], "abcdefgh.lambda-url.eu-west-1.on.aws");

    const oac = props(shared.Resources.OriginAccessControl).OriginAccessControlConfig as Record<string, Json>;
    assert.equal(oac.OriginAccessControlOriginType, "lambda");
    assert.equal(oac.SigningBehavior, "always");
    assert.equal(oac.SigningProtocol, "sigv4");
  });
});

describe("app.yaml --domain", () => {
  const withDomain = () => instantiate(app, { EnableCdn: "true", DomainName: "data.example.com" });
  const distributionConfig = (instance: Instance) => props(instance.resources.Distribution).DistributionConfig as Record<string, Json>;

  it("serves the domain from the distribution with the us-east-1 certificate (SNI, TLS 1.2 minimum)", () => {
    const config = distributionConfig(withDomain());
    assert.deepEqual(config.Aliases, [{ Ref: "DomainName" }]);
    assert.deepEqual(config.ViewerCertificate, {
      AcmCertificateArn: { Ref: "CertificateArn" },
      SslSupportMethod: "sni-only",
      MinimumProtocolVersion: "TLSv1.2_2021",
    });
    assert.deepEqual(withDomain().outputs.SiteUrl, { "Fn::Sub": "https://${DomainName}/" });
  });

  it("points A and AAAA alias records in the domain's zone at the distribution", () => {
    const records = resourcesOfType(withDomain(), "AWS::Route53::RecordSet").map(([, r]) => props(r));
    assert.deepEqual(records.map((r) => r.Type).sort(), ["A", "AAAA"]);
    for (const record of records) {
      assert.deepEqual(record.HostedZoneId, { Ref: "HostedZoneId" });
      assert.deepEqual(record.Name, { Ref: "DomainName" });
      // CloudFront's alias hosted zone id is the same in every account and region.
      assert.deepEqual(record.AliasTarget, {
        DNSName: { "Fn::GetAtt": ["Distribution", "DomainName"] },
        HostedZoneId: "Z2FDTNDATAQYW2",
        EvaluateTargetHealth: false,
      });
    }
  });

  it("without a domain: CloudFront's own certificate and name, no records", () => {
    const plain = instantiate(app, "true");
    const config = distributionConfig(plain);
    assert.equal(config.Aliases, undefined);
    assert.deepEqual(config.ViewerCertificate, { CloudFrontDefaultCertificate: true });
    assert.deepEqual(resourcesOfType(plain, "AWS::Route53::RecordSet"), []);
  });
});

describe("certificate.yaml", () => {
  it("requests a DNS-validated certificate for the domain in its zone and outputs its ARN", async () => {
    const certificate = parseTemplate(await readTemplate("certificate"));
    const resources = Object.values(certificate.Resources);
    assert.deepEqual(
      resources.map((r) => r.Type),
      ["AWS::CertificateManager::Certificate"],
    );
    const p = resources[0]!.Properties!;
    assert.deepEqual(p.DomainName, { Ref: "DomainName" });
    assert.equal(p.ValidationMethod, "DNS");
    assert.deepEqual(p.DomainValidationOptions, [{ DomainName: { Ref: "DomainName" }, HostedZoneId: { Ref: "HostedZoneId" } }]);
    assert.deepEqual(certificate.Outputs?.CertificateArn?.Value, { Ref: "Certificate" });
    // CloudFormation wants the bare zone id, not ListHostedZones' "/hostedzone/Z...".
    const zone = certificate.Parameters!.HostedZoneId!;
    assert.notDeepEqual(violations("HostedZoneId", "/hostedzone/Z123", zone), []);
    assert.deepEqual(violations("HostedZoneId", "Z123ABC", zone), []);
  });
});

describe("app.yaml function", () => {
  it("gets a name within Lambda's 64 characters for the longest site name the CLI accepts, and no longer", () => {
    // FunctionName is the app stack's name, NAME-lambda: the validator must stop where Lambda does.
    // Literal numbers on purpose: 64 is Lambda's limit, whatever the constants say.
    const longest = validateSiteName("n".repeat(57));
    assert.equal(appStackName(longest).length, 64);
    assert.throws(() => validateSiteName("n".repeat(58)), /58 characters; the limit is 57/);
    assert.equal(MAX_SITE_NAME_LENGTH, 57);
  });

  it("is named after the stack, logs to its own 14-day group, and runs datasette_lambda.handler.handler from the package", () => {
    const { Function: fn, LogGroup: group, Layer: layer } = app.Resources;
    assert.deepEqual(group?.Properties?.LogGroupName, { "Fn::Sub": "/aws/lambda/${AWS::StackName}" });
    assert.equal(group?.Properties?.RetentionInDays, 14);
    const p = fn!.Properties!;
    assert.deepEqual(p.FunctionName, { Ref: "AWS::StackName" });
    assert.deepEqual((p.LoggingConfig as Record<string, Json>).LogGroup, { Ref: "LogGroup" });
    assert.equal(p.Handler, "datasette_lambda.handler.handler");
    assert.deepEqual(p.Code, { S3Bucket: { Ref: "BucketName" }, S3Key: { Ref: "PackageKey" } });
    assert.deepEqual(p.Runtime, { Ref: "Runtime" });
    assert.deepEqual(p.Architectures, [{ Ref: "Architecture" }]);
    assert.deepEqual(p.MemorySize, { Ref: "MemorySize" });
    assert.deepEqual(p.Timeout, { Ref: "Timeout" });
    assert.deepEqual(p.EphemeralStorage, { Size: { Ref: "EphemeralStorageSize" } });
    assert.deepEqual(p.Layers, [{ Ref: "Layer" }]);
    assert.deepEqual(layer?.Properties?.Content, { S3Bucket: { Ref: "BucketName" }, S3Key: { Ref: "LayerKey" } });
    assert.deepEqual(layer?.Properties?.CompatibleRuntimes, [{ Ref: "Runtime" }]);
    assert.deepEqual(layer?.Properties?.CompatibleArchitectures, [{ Ref: "Architecture" }]);
  });

  it("gets exactly the environment variables of the shared contract", () => {
    const env = (app.Resources.Function!.Properties!.Environment as { Variables: Record<string, Json> }).Variables;
    assert.deepEqual(env, {
      DATASETTE_SECRET: { Ref: "DatasetteSecret" },
      DATASETTE_LAMBDA_BUCKET: { Ref: "BucketName" },
      DATASETTE_LAMBDA_LIVE_SECONDS: { Ref: "LiveCheckSeconds" },
      DATASETTE_LAMBDA_PLUGIN_SECRETS: { Ref: "PluginSecrets" },
      // A new fingerprint changes the function's configuration, so Lambda publishes a new version for it.
      DATASETTE_LAMBDA_VERSION: { Ref: "VersionFingerprint" },
    });
  });

  it("has a role that reads db/* and live/* only, lists the bucket (404 for a missing manifest) and writes only to its log group", () => {
    const role = app.Resources.Role!.Properties!;
    const trust = (role.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] }).Statement;
    assert.deepEqual(
      trust.map((s) => [s.Principal, s.Action]),
      [[{ Service: "lambda.amazonaws.com" }, "sts:AssumeRole"]],
    );
    assert.equal(role.ManagedPolicyArns, undefined);
    assert.deepEqual(grants("Role"), [
      "logs:CreateLogStream LogGroup.Arn",
      "logs:PutLogEvents LogGroup.Arn",
      "s3:GetObject bucket/db/*",
      "s3:GetObject bucket/live/*",
      "s3:ListBucket bucket",
    ]);
  });

  it("passes LiveCheckSeconds (default 15, 0 turns live data off) to the stub", () => {
    const p = app.Parameters!.LiveCheckSeconds!;
    assert.equal(p.Type, "Number");
    assert.equal(p.Default, 15);
    assert.deepEqual(violations("LiveCheckSeconds", "0", p), []);
    assert.notDeepEqual(violations("LiveCheckSeconds", "-1", p), []);
  });
});

/** Every "action resource" a role's inline policies allow; bucket ARNs shortened to "bucket". Asserts they are all Allow. */
function grants(roleId: string): string[] {
  const role = app.Resources[roleId]!.Properties!;
  const statements = (role.Policies as { PolicyDocument: { Statement: Record<string, Json>[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  assert.ok(
    statements.every((s) => s.Effect === "Allow" && s.Condition === undefined),
    `${roleId}: Allow statements without conditions only`,
  );
  const describe = (resource: Json): string => {
    const node = resource as Record<string, Json>;
    if (typeof node["Fn::Sub"] === "string") return node["Fn::Sub"].replace("arn:${AWS::Partition}:s3:::${BucketName}", "bucket");
    if (Array.isArray(node["Fn::GetAtt"])) return node["Fn::GetAtt"].join(".");
    return JSON.stringify(resource);
  };
  return statements
    .flatMap((s) =>
      ([s.Action].flat() as string[]).flatMap((action) => [s.Resource].flat().map((resource) => `${action} ${describe(resource)}`)),
    )
    .sort();
}

describe("app.yaml handlers", () => {
  // Lambda's Python runtime (aws/aws-lambda-python-runtime-interface-client,
  // awslambdaric/bootstrap.py, _get_handler) splits Handler at its last dot into a
  // module and a function, imports the module with importlib.import_module (so a dotted
  // name is a module in a package, from the task root), then getattr()s the function.
  it("each names a function defined at the top of a module of the package (stub/ is the package's root)", () => {
    for (const name of ["Function", "ConverterFunction"]) {
      const handler = String(app.Resources[name]!.Properties!.Handler);
      const dot = handler.lastIndexOf(".");
      const [module, fn] = [handler.slice(0, dot), handler.slice(dot + 1)];
      const parts = module.split(".");
      for (let i = 1; i < parts.length; i++) {
        const init = new URL(`../stub/${parts.slice(0, i).join("/")}/__init__.py`, import.meta.url);
        assert.ok(existsSync(init), `${handler}: ${parts.slice(0, i).join(".")} is a package`);
      }
      const source = readFileSync(new URL(`../stub/${parts.join("/")}.py`, import.meta.url), "utf8");
      assert.match(source, new RegExp(`^(def ${fn}\\(|${fn} = )`, "m"), `${handler}: ${fn} defined in ${module}`);
    }
  });
});

describe("app.yaml converter function (files put into incoming/)", () => {
  it("runs datasette_lambda.convert.function.handler from the site's package and layer, sized for conversions, 14-day logs", () => {
    const fn = app.Resources.ConverterFunction!;
    assert.equal(fn.Type, "AWS::Lambda::Function");
    assert.equal(fn.Condition, undefined, "in both CDN modes");
    const p = fn.Properties!;
    assert.equal(p.Handler, "datasette_lambda.convert.function.handler");
    assert.deepEqual(p.Code, { S3Bucket: { Ref: "BucketName" }, S3Key: { Ref: "PackageKey" } });
    assert.deepEqual(p.Layers, [{ Ref: "Layer" }]);
    assert.deepEqual(p.Runtime, { Ref: "Runtime" });
    assert.deepEqual(p.Architectures, [{ Ref: "Architecture" }]);
    assert.deepEqual(p.Role, { "Fn::GetAtt": ["ConverterRole", "Arn"] });
    assert.equal(p.Timeout, 900);
    assert.ok((p.MemorySize as number) >= 2048);
    assert.equal((p.EphemeralStorage as { Size: number }).Size, 10240);
    assert.equal(p.FunctionName, undefined, "NAME-lambda already takes Lambda's 64 characters for the longest site name");
    assert.deepEqual((p.LoggingConfig as Record<string, Json>).LogGroup, { Ref: "ConverterLogGroup" });
    assert.deepEqual((p.Environment as { Variables: Record<string, Json> }).Variables, { DATASETTE_LAMBDA_BUCKET: { Ref: "BucketName" } });
    const group = app.Resources.ConverterLogGroup!;
    assert.equal(group.DeletionPolicy, "Delete");
    assert.equal(group.Properties?.RetentionInDays, 14);
    assert.deepEqual(group.Properties?.LogGroupName, { "Fn::Sub": "/aws/lambda/${AWS::StackName}-converter" });
  });

  it("has a least-privilege role: incoming/ read and delete, failed/ write, live/ read and write, old live databases deleted", () => {
    assert.deepEqual(grants("ConverterRole"), [
      "logs:CreateLogStream ConverterLogGroup.Arn",
      "logs:PutLogEvents ConverterLogGroup.Arn",
      "s3:DeleteObject bucket/incoming/*",
      "s3:DeleteObject bucket/live/db/*",
      "s3:GetObject bucket/incoming/*",
      "s3:GetObject bucket/live/*",
      "s3:ListBucket bucket",
      "s3:PutObject bucket/failed/*",
      "s3:PutObject bucket/live/*",
    ]);
  });

  it("is invoked by an EventBridge rule for this bucket's Object Created events under incoming/, and by nothing else", () => {
    const rule = app.Resources.IncomingRule!;
    assert.equal(rule.Type, "AWS::Events::Rule");
    assert.equal(rule.Properties?.State, "ENABLED");
    assert.deepEqual(rule.Properties?.EventPattern, {
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [{ Ref: "BucketName" }] }, object: { key: [{ prefix: "incoming/" }] } },
    });
    assert.deepEqual(rule.Properties?.Targets, [{ Id: "converter", Arn: { "Fn::GetAtt": ["ConverterFunction", "Arn"] } }]);
    const permissions = Object.values(app.Resources).filter(
      (r) =>
        r.Type === "AWS::Lambda::Permission" && JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: "ConverterFunction" }),
    );
    assert.deepEqual(
      permissions.map((r) => r.Properties),
      [
        {
          FunctionName: { Ref: "ConverterFunction" },
          Action: "lambda:InvokeFunction",
          Principal: "events.amazonaws.com",
          SourceArn: { "Fn::GetAtt": ["IncomingRule", "Arn"] },
        },
      ],
    );
  });
});

describe("app.yaml converter function: it always ends", () => {
  // Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous invocation"
  // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html): "If the
  // function returns an error, by default Lambda attempts to run it two more times ... Function
  // errors include ... errors returned by the function's runtime, such as timeouts." EventBridge
  // invokes a Lambda target asynchronously, and a delivery counts as done once Lambda has queued it
  // (EventBridge User Guide, "Lambda function target": "EVENT invokes asynchronously and treats a
  // successful Invoke as delivered"), so only the function's own invoke configuration can turn the
  // retries off: AWS::Lambda::EventInvokeConfig, MaximumRetryAttempts 0 to 2 ("Configuring error
  // handling settings for Lambda asynchronous invocations").
  it("is never retried by Lambda: an EventInvokeConfig on its unpublished version with no retries", () => {
    const configs = Object.entries(app.Resources).filter(([, r]) => r.Type === "AWS::Lambda::EventInvokeConfig");
    assert.deepEqual(
      configs.map(([id, r]) => [id, r.Condition, r.Properties]),
      [
        [
          "ConverterInvokeConfig",
          undefined,
          // $LATEST: EventBridge's target is the function's ARN without a qualifier, which runs $LATEST.
          { FunctionName: { Ref: "ConverterFunction" }, Qualifier: "$LATEST", MaximumRetryAttempts: 0 },
        ],
      ],
    );
  });

  it("is not retried by the rule either: EventBridge keeps its own retries for failed deliveries only, and no dead-letter queue", () => {
    // "How EventBridge retries delivering events": retries are for an event "not successfully
    // delivered" (24 hours, 185 attempts by default), never for the function's errors; an event
    // dropped after them leaves its file in incoming/, which `ls` reports. Nothing to pay for at rest.
    const [target] = app.Resources.IncomingRule!.Properties!.Targets as Record<string, Json>[];
    assert.equal(target?.RetryPolicy, undefined);
    assert.equal(target?.DeadLetterConfig, undefined);
    assert.equal(
      Object.values(app.Resources).some((r) => /^AWS::(SQS|SNS)::/.test(r.Type)),
      false,
      "no queue or topic: no on-failure destination to pay for or read",
    );
  });
});

describe("prereq.yaml", () => {
  it("makes a private, encrypted, TLS-only bucket with a generated name and outputs it", () => {
    const buckets = Object.values(prereq.Resources).filter((r) => r.Type === "AWS::S3::Bucket");
    assert.equal(buckets.length, 1);
    const bucket = buckets[0]!.Properties!;
    assert.equal(bucket.BucketName, undefined, "no fixed name: stack names may have upper case");
    const sse = (
      bucket.BucketEncryption as { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[] }
    ).ServerSideEncryptionConfiguration;
    assert.equal(sse[0]?.ServerSideEncryptionByDefault.SSEAlgorithm, "AES256");
    assert.deepEqual(bucket.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.OwnershipControls, { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
    const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, Json>[] }).Rules;
    assert.ok(
      rules.some(
        (r) => r.Status === "Enabled" && (r.AbortIncompleteMultipartUpload as { DaysAfterInitiation: number }).DaysAfterInitiation >= 1,
      ),
    );
    // Only failed/ expires (after FAILED_FILES_DAYS, as the README says): nothing else in the bucket
    // (the package, databases, live/) may ever be deleted by a lifecycle rule.
    const expiring = rules.filter((r) => "ExpirationInDays" in r || "ExpirationDate" in r || "Transitions" in r);
    assert.deepEqual(expiring, [{ Id: "ExpireFailedFiles", Status: "Enabled", Prefix: "failed/", ExpirationInDays: FAILED_FILES_DAYS }]);
    for (const doc of ["README.md", "docs/live-data.md"]) {
      const text = readFileSync(new URL(`../${doc}`, import.meta.url), "utf8").replace(/\s+/g, " ");
      assert.match(text, new RegExp(`failed/\`[^.]*kept there ${FAILED_FILES_DAYS} days`), `${doc} states how long failed/ keeps files`);
    }

    const policy = Object.values(prereq.Resources).find((r) => r.Type === "AWS::S3::BucketPolicy")!.Properties!;
    const [deny] = (policy.PolicyDocument as { Statement: Record<string, Json>[] }).Statement;
    assert.equal(deny?.Effect, "Deny");
    assert.equal(deny?.Principal, "*");
    assert.deepEqual(deny?.Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.deepEqual(deny?.Resource, [{ "Fn::GetAtt": ["Bucket", "Arn"] }, { "Fn::Sub": "${Bucket.Arn}/*" }]);

    // Events go to EventBridge (the app stack's rule picks incoming/): no bucket -> function dependency.
    assert.deepEqual(bucket.NotificationConfiguration, { EventBridgeConfiguration: { EventBridgeEnabled: true } });

    assert.deepEqual(prereq.Outputs?.BucketName?.Value, { Ref: "Bucket" });
    assert.deepEqual(Object.keys(prereq.Parameters ?? {}), ["Cors"]);
  });

  // The download redirect goes to a presigned S3 URL; a browser script may read the answer
  // only if S3 sends CORS headers, and after a cross-origin redirect it sends "Origin: null"
  // (Fetch's tainted origin), which AllowedOrigins "*" matches. Fields: the CorsRule page,
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-cors-corsrule.html
  it("--cors gives the bucket one CORS rule for GET and HEAD from any origin; without it, none", () => {
    const bucketWith = (cors: "true" | "false") => {
      const conditions = Object.fromEntries(
        Object.keys(prereq.Conditions ?? {}).map((name) => [name, evalCondition({ Condition: name }, prereq, { Cors: cors })]),
      );
      return props(chooseBranches(prereq.Resources.Bucket, conditions));
    };
    assert.deepEqual(bucketWith("true").CorsConfiguration, {
      CorsRules: [
        {
          Id: "DatabaseDownloads",
          AllowedMethods: ["GET", "HEAD"],
          AllowedOrigins: ["*"],
          AllowedHeaders: ["Range"],
          ExposedHeaders: ["Content-Range", "Content-Disposition", "ETag", "Accept-Ranges"],
          MaxAge: 3000,
        },
      ],
    });
    assert.equal(bucketWith("false").CorsConfiguration, undefined);
    assert.deepEqual(prereq.Parameters?.Cors?.AllowedValues, ["true", "false"]);
    assert.equal(prereq.Parameters?.Cors?.Default, "false");
  });
});

describe("shared.yaml: the account's CloudFront parts", () => {
  // CloudFront names are unique per account: the stack id's UUID, never a site's name.
  const uuid = { "Fn::Select": [2, { "Fn::Split": ["/", { Ref: "AWS::StackId" }] }] };

  it("holds the two cache policies, the origin access control and the viewer-request function, named by the stack id", () => {
    assert.deepEqual(
      Object.entries(shared.Resources).map(([id, r]) => [id, r.Type]),
      [
        ["CachePolicy", "AWS::CloudFront::CachePolicy"],
        ["StaticCachePolicy", "AWS::CloudFront::CachePolicy"],
        ["OriginAccessControl", "AWS::CloudFront::OriginAccessControl"],
        ["ViewerRequestFunction", "AWS::CloudFront::Function"],
        ["EdgeRole", "AWS::IAM::Role"],
        ["EdgeFunction", "AWS::Lambda::Function"],
        ["EdgeVersion", "AWS::Lambda::Version"],
      ],
    );
    const names = [
      (props(shared.Resources.CachePolicy).CachePolicyConfig as Record<string, Json>).Name,
      (props(shared.Resources.StaticCachePolicy).CachePolicyConfig as Record<string, Json>).Name,
      (props(shared.Resources.OriginAccessControl).OriginAccessControlConfig as Record<string, Json>).Name,
      props(shared.Resources.ViewerRequestFunction).Name,
    ];
    for (const name of names) assert.deepEqual((name as { "Fn::Sub": [string, Record<string, Json>] })["Fn::Sub"][1], { Id: uuid });
    // Cache policy names are unique among cache policies; OAC and function names each among their own kind.
    assert.notDeepEqual(names[0], names[1]);
  });

  it("outputs what the app stack takes, one output per Shared* parameter, and the edge function's name", () => {
    assert.deepEqual(Object.keys(shared.Outputs ?? {}).sort(), [...Object.values(SHARED_OUTPUTS), "EdgeFunctionName"].sort());
    for (const parameter of Object.keys(SHARED_OUTPUTS)) assert.ok(app.Parameters?.[parameter], parameter);
  });

  // Lambda@Edge: a numbered version of a function in us-east-1 (the stack's region), x86_64,
  // no environment variables or layers, a role lambda and edgelambda may assume.
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html
  it("makes an edge function Lambda@Edge accepts, with a role of no permissions", () => {
    const role = props(shared.Resources.EdgeRole);
    const [statement] = (role.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] }).Statement;
    assert.deepEqual(statement?.Principal, { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] });
    assert.equal(role.Policies, undefined, "no logs permission: no log group in every region the function runs in");
    assert.equal(role.ManagedPolicyArns, undefined);
    const fn = props(shared.Resources.EdgeFunction);
    assert.deepEqual(fn.Architectures, ["x86_64"]);
    assert.deepEqual(fn.Runtime, { Ref: "EdgeRuntime" });
    assert.equal(fn.Handler, "index.handler");
    assert.ok((fn.Timeout as number) <= 30, "origin-request functions may run 30 s");
    for (const unsupported of ["Environment", "Layers", "VpcConfig", "ReservedConcurrentExecutions", "DeadLetterConfig", "TracingConfig"]) {
      assert.equal(fn[unsupported], undefined, unsupported);
    }
    assert.equal(shared.Parameters?.EdgeRuntime?.Default, undefined, "the CLI passes it: no literal runtime to fall behind Lambda's dates");
    assert.equal(shared.Parameters?.EdgeRuntime?.AllowedValues, undefined);
  });

  // The function's replicas go hours after the last distribution lets go; Lambda refuses to
  // delete a replicated function until then:
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html
  it("retains the edge function and its versions, so the stack always deletes (delete-stack removes them later)", () => {
    for (const id of ["EdgeFunction", "EdgeVersion"]) {
      assert.equal(shared.Resources[id]!.DeletionPolicy, "Retain", id);
      assert.equal(shared.Resources[id]!.UpdateReplacePolicy, "Retain", id);
    }
    assert.deepEqual(props(shared.Resources.EdgeFunction).FunctionName, {
      "Fn::Sub": ["datasette-lambda-edge-${Id}", { Id: { "Fn::Select": [0, { "Fn::Split": ["-", uuid] }] } }],
    });
  });
});

// Reserved concurrency: "both a lower and upper bound", free, and 0 stops the function:
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
describe("app.yaml cost caps", () => {
  const withCaps = (MaxInstances: string, ConverterMaxConcurrency: string) => {
    const conditions = Object.fromEntries(
      Object.keys(app.Conditions ?? {}).map((name) => [
        name,
        evalCondition({ Condition: name }, app, {
          EnableCdn: "true",
          DomainName: "",
          SnapStart: "false",
          MaxInstances,
          ConverterMaxConcurrency,
        }),
      ]),
    );
    const resources = chooseBranches(app.Resources, conditions) as Record<string, Record<string, Json>>;
    return { site: props(resources.Function), converter: props(resources.ConverterFunction) };
  };

  it("reserves --max-instances for the site and the deploy's cap for the converter; 0 reserves nothing", () => {
    assert.deepEqual(
      [withCaps("10", "2").site.ReservedConcurrentExecutions, withCaps("10", "2").converter.ReservedConcurrentExecutions],
      [{ Ref: "MaxInstances" }, { Ref: "ConverterMaxConcurrency" }],
    );
    const none = withCaps("0", "0");
    assert.equal(none.site.ReservedConcurrentExecutions, undefined, "never a reservation of 0, which would stop the function");
    assert.equal(none.converter.ReservedConcurrentExecutions, undefined);
    assert.equal(app.Parameters?.MaxInstances?.Default, 0);
    assert.equal(app.Parameters?.MaxInstances?.MinValue, 0);
    assert.equal(appStackParameters(samplePlan({ maxInstances: 25 }), sampleKeys).MaxInstances, "25");
    assert.equal(appStackParameters(samplePlan(), sampleKeys).MaxInstances, "0");
  });
});
