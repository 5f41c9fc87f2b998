// The real CLI's dry run: what it writes, that it calls no AWS API (nor loads the
// SDK), and that bad input fails with one line naming the culprit and leaves no
// --out behind.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { cliEnv, runCli, runClis, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
let awsRequests = 0;
let endpoint = "";
const server = createServer((_request, response) => {
  awsRequests++;
  response.writeHead(500).end();
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

/** No credentials anywhere, and any AWS call would land on our counting server. */
const noAwsEnv = () =>
  cliEnv({
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_CONFIG_FILE: join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
  });

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

test("dry run writes templates, parameters and every artifact at its S3 key, without AWS", async () => {
  const db = makeDatabase(join(dir, "fixtures.db"), { items: 3 });
  const big = makeDatabase(join(dir, "big.db"), { rows: 10 });
  writeFileSync(join(dir, "metadata.yml"), "title: Test site\n");
  const out = join(dir, "out");
  const result = await runCli(
    [
      "update-stack",
      "mysite",
      db,
      big,
      "--cors",
      "--prefix",
      "x",
      "--metadata",
      join(dir, "metadata.yml"),
      "--config",
      "sql_time_limit_ms:2000",
      "--memory",
      "2048",
      "--timeout",
      "20",
      "--dry-run",
      "--out",
      out,
      "--json",
      ...HOST_BUILD,
    ],
    { env: noAwsEnv() },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(awsRequests, 0, "a dry run must not call AWS");

  const summary = JSON.parse(result.stdout);
  assert.equal(summary.stack, "mysite");
  // Each database's data is as of its file's modification time (UTC, seconds).
  const asOf = (path: string) => new Date(Math.floor(statSync(path).mtimeMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
  assert.deepEqual(summary.databases, [
    { name: "fixtures", inline: true, dataAsOf: asOf(db) },
    { name: "big", inline: true, dataAsOf: asOf(big) },
  ]);
  const keys = summary.artifacts.map((a: { key: string }) => a.key);
  assert.ok(keys.some((k: string) => /^package\/[0-9a-f]{64}\.zip$/.test(k)));
  assert.ok(keys.some((k: string) => /^layer\/[0-9a-f]{64}\.zip$/.test(k)));
  for (const artifact of summary.artifacts) {
    const file = join(out, "artifacts", artifact.key);
    assert.equal(sha256(file), artifact.sha256, artifact.key);
    assert.equal(readFileSync(file).length, artifact.bytes);
    assert.ok(artifact.key.includes(artifact.sha256), "keys are content-addressed");
  }

  assert.deepEqual(readdirSync(out).sort(), [
    "app.yaml",
    "artifacts",
    "parameters.json",
    "prereq-parameters.json",
    "prereq.yaml",
    "shared-parameters.json",
    "shared.yaml",
  ]);
  assert.match(readFileSync(join(out, "shared.yaml"), "utf8"), /AWS::CloudFront::CachePolicy/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "shared-parameters.json"), "utf8")), [
    { ParameterKey: "EdgeRuntime", ParameterValue: "python3.13" },
  ]);
  assert.match(readFileSync(join(out, "app.yaml"), "utf8"), /AWS::Lambda::Function/);
  // What `schedule` needs is in every site: its schedules' group and the role they run as.
  assert.match(readFileSync(join(out, "app.yaml"), "utf8"), /ScheduleGroup:\n {4}Type: AWS::Scheduler::ScheduleGroup\n/);
  assert.match(readFileSync(join(out, "app.yaml"), "utf8"), /SchedulerRole:\n {4}Type: AWS::IAM::Role\n/);
  assert.match(readFileSync(join(out, "prereq.yaml"), "utf8"), /AWS::S3::Bucket/);
  // --cors reaches the bucket stack (its CORS rule for the download redirect).
  assert.deepEqual(JSON.parse(readFileSync(join(out, "prereq-parameters.json"), "utf8")), [
    { ParameterKey: "Cors", ParameterValue: "true" },
  ]);
  const parameters = Object.fromEntries(
    JSON.parse(readFileSync(join(out, "parameters.json"), "utf8")).map((p: { ParameterKey: string; ParameterValue: string }) => [
      p.ParameterKey,
      p.ParameterValue,
    ]),
  );
  assert.equal(
    parameters.PackageKey,
    keys.find((k: string) => k.startsWith("package/")),
  );
  assert.equal(
    parameters.LayerKey,
    keys.find((k: string) => k.startsWith("layer/")),
  );
  assert.equal(parameters.MemorySize, "2048");
  assert.equal(parameters.Timeout, "20");
  assert.equal(parameters.Architecture, "x86_64");
  assert.equal(parameters.Runtime, "python3.11");
  assert.equal(parameters.EnableCdn, "true");
  assert.equal(parameters.PathPrefix, "/x");
  assert.equal(parameters.DomainName, "");
  assert.equal(parameters.CertificateArn, "");
  assert.equal(parameters.SharedCachePolicyId, "<output CachePolicyId of stack datasette-lambda-shared in us-east-1>");
  assert.equal(parameters.DatasetteSecret, undefined, "the secret is never written out");
  assert.equal(parameters.ConvertSettings, "{}");
  // Both databases are inline, and both have a copy in the bucket to be downloaded from.
  const dbKeys = keys.filter((k: string) => k.startsWith("db/")).sort();
  assert.equal(dbKeys.length, 2);
  assert.equal(parameters.DatabaseKeys, dbKeys.join(","));
});

test("--domain: the certificate template is written too, the deploy-time values are named", async () => {
  const db = makeDatabase(join(dir, "domain.db"), { items: 2 });
  const out = join(dir, "out-domain");
  const result = await runCli(["update-stack", "mysite", db, "--domain", "Data.Example.com", "--dry-run", "--out", out, ...HOST_BUILD], {
    env: noAwsEnv(),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(awsRequests, 0, "a dry run must not look the zone up either");
  assert.deepEqual(readdirSync(out).sort(), [
    "app.yaml",
    "artifacts",
    "certificate.yaml",
    "parameters.json",
    "prereq-parameters.json",
    "prereq.yaml",
    "shared-parameters.json",
    "shared.yaml",
  ]);
  assert.match(readFileSync(join(out, "certificate.yaml"), "utf8"), /AWS::CertificateManager::Certificate/);
  const parameters = Object.fromEntries(
    JSON.parse(readFileSync(join(out, "parameters.json"), "utf8")).map((p: { ParameterKey: string; ParameterValue: string }) => [
      p.ParameterKey,
      p.ParameterValue,
    ]),
  );
  assert.equal(parameters.DomainName, "data.example.com");
  assert.match(parameters.CertificateArn, /stack mysite-certificate-[0-9a-f]{8} in us-east-1/);
  assert.match(parameters.HostedZoneId, /hosted zone that owns data\.example\.com/);
});

test("the same input gives the same artifacts; --external moves databases to S3 keys", async () => {
  const db = makeDatabase(join(dir, "same.db"), { items: 5 });
  const first = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "o1"), "--json", ...HOST_BUILD], {
    env: noAwsEnv(),
  });
  const second = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "o2"), "--json", ...HOST_BUILD], {
    env: noAwsEnv(),
  });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout).artifacts, JSON.parse(second.stdout).artifacts);

  const external = await runCli(
    ["update-stack", "mysite", db, "--external", "--no-cdn", "--dry-run", "--out", join(dir, "o3"), "--json", ...HOST_BUILD],
    { env: noAwsEnv() },
  );
  assert.equal(external.code, 0, external.stderr);
  const summary = JSON.parse(external.stdout);
  assert.deepEqual(
    summary.databases.map((d: { name: string; inline: boolean }) => [d.name, d.inline]),
    [["same", false]],
  );
  const dbArtifact = summary.artifacts.find((a: { key: string }) => a.key.startsWith("db/"));
  assert.equal(dbArtifact.key, `db/${sha256(db)}/same.db`);
  assert.equal(sha256(join(dir, "o3", "artifacts", dbArtifact.key)), sha256(db));
  const parameters = JSON.parse(readFileSync(join(dir, "o3", "parameters.json"), "utf8"));
  assert.equal(parameters.find((p: { ParameterKey: string }) => p.ParameterKey === "EnableCdn").ParameterValue, "false");
  assert.equal(parameters.find((p: { ParameterKey: string }) => p.ParameterKey === "DatabaseKeys").ParameterValue, dbArtifact.key);
  // --no-cdn: no shared CloudFront stack, its parameters empty.
  assert.equal(parameters.find((p: { ParameterKey: string }) => p.ParameterKey === "SharedCachePolicyId").ParameterValue, "");
  assert.ok(!readdirSync(join(dir, "o3")).includes("shared.yaml"));
  assert.equal(awsRequests, 0);
});

test("bad input: one line naming the culprit, exit 1, no --out written", async () => {
  const good = makeDatabase(join(dir, "good.db"));
  writeFileSync(join(dir, "notsqlite.db"), "hello");
  writeFileSync(join(dir, "bad.json"), "{oops");
  const cases: Array<[string[], RegExp]> = [
    [["mysite", join(dir, "missing.db")], /missing\.db: no such file/],
    [["mysite", join(dir, "notsqlite.db")], /notsqlite\.db: not an SQLite database/],
    [["mysite", good, good], /would both be served as the database "good"/],
    [["mysite", good, "--config", "sql_time_limit_ms"], /--config "sql_time_limit_ms" is not a key:value pair/],
    [["mysite", good, "--metadata", join(dir, "bad.json")], /--metadata .*bad\.json: not valid JSON/],
    [["mysite", good, "--metadata", join(dir, "nometa.yml")], /--metadata .*nometa\.yml: cannot be read/],
    [["my_site", good], /invalid site name "my_site"/],
    [["mysite", good, "--prefix", "a b"], /--prefix "a b" has an illegal path segment/],
    [["mysite", good, "--memory", "64"], /--memory 64 is out of Lambda's range/],
    [["mysite", good, "--timeout", "1000"], /--timeout 1000 is out of Lambda's range/],
    [["mysite", good, "--runtime", "python3.8"], /--runtime python3.8 is not supported/],
    [["mysite", good, "--domain", "http://x"], /--domain "http:\/\/x" is not a valid domain name/],
    [
      ["mysite", good, "--domain", "data.example.com", "--no-cdn"],
      /--domain data\.example\.com needs CloudFront, but --no-cdn turns it off/,
    ],
    [["mysite"], /needs at least one database file/],
  ];
  const outs = cases.map(() => join(dir, `bad-out-${Math.random().toString(36).slice(2)}`));
  const results = await runClis(
    cases.map(([args], i) => ["update-stack", ...HOST_BUILD, ...args, "--dry-run", "--out", outs[i]!]),
    { env: noAwsEnv() },
  );
  for (const [i, [args, pattern]] of cases.entries()) {
    const out = outs[i]!;
    const result = results[i]!;
    assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
    const lines = result.stderr
      .trim()
      .split("\n")
      .filter((line) => line.startsWith("Error:"));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
    assert.equal(result.stdout, "");
    assert.equal(existsSync(out), false, `${args.join(" ")} left ${out} behind`);
  }
  assert.equal(awsRequests, 0);
});

test("--out refuses a non-empty directory that is not an earlier dry run", async () => {
  const good = makeDatabase(join(dir, "g2.db"));
  const out = join(dir, "precious");
  await runCli(["update-stack", "mysite", good, "--dry-run", "--out", out, ...HOST_BUILD], { env: noAwsEnv() });
  const notOurs = join(dir, "notours");
  mkdirSync(notOurs);
  writeFileSync(join(notOurs, "keep.txt"), "keep");
  const result = await runCli(["update-stack", "mysite", good, "--dry-run", "--out", notOurs, ...HOST_BUILD], { env: noAwsEnv() });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--out .*notours is not empty/);
  assert.deepEqual(readdirSync(notOurs), ["keep.txt"]);
  // An earlier dry run's output is replaced.
  const again = await runCli(["update-stack", "mysite", good, "--dry-run", "--out", out, ...HOST_BUILD], { env: noAwsEnv() });
  assert.equal(again.code, 0, again.stderr);
});

test("a dry run loads no AWS SDK module (a deploy does: the same watch sees it)", async () => {
  // Records every @aws-sdk/ import the CLI resolves: a resolve hook (module.register, in every Node the CLI supports).
  const hooks = join(dir, "sdk-hooks.mjs");
  writeFileSync(
    hooks,
    [
      'import { appendFileSync } from "node:fs";',
      "export async function resolve(specifier, context, next) {",
      '  if (specifier.startsWith("@aws-sdk/")) appendFileSync(process.env.DL_SDK_LOADED, `${specifier}\\n`);',
      "  return next(specifier, context);",
      "}",
    ].join("\n"),
  );
  const hook = join(dir, "sdk-hook.mjs");
  writeFileSync(hook, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const db = makeDatabase(join(dir, "lazy.db"));
  const loaded = (name: string) => {
    const path = join(dir, name);
    return { path, read: () => (existsSync(path) ? readFileSync(path, "utf8").trim().split("\n") : []) };
  };
  const watch = (file: string) => ({ NODE_OPTIONS: `--import=${hook}`, DL_SDK_LOADED: file });
  const dryRunLoads = loaded("dry-run-loads.txt");
  const dryRun = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "lazy-out"), ...HOST_BUILD], {
    env: { ...noAwsEnv(), ...watch(dryRunLoads.path) },
  });
  assert.equal(dryRun.code, 0, dryRun.stderr);
  assert.deepEqual(dryRunLoads.read(), []);
  // A deploy (to an address where nothing answers) loads the SDK before its first call.
  const deployLoads = loaded("deploy-loads.txt");
  const deploy = await runCli(["update-stack", "mysite", db, ...HOST_BUILD], {
    env: cliEnv({
      ...watch(deployLoads.path),
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
      AWS_PROFILE: undefined,
    }),
  });
  assert.equal(deploy.code, 1, deploy.stderr);
  assert.ok(deployLoads.read().includes("@aws-sdk/client-cloudformation"), deployLoads.read().join(", "));
});
