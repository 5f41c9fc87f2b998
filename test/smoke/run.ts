// npm run smoke -- --region eu-west-1 [--profile NAME] [--keep]
//
// The whole path on a real AWS account, in a few minutes: deploys a tiny site
// (a database and a CSV file, --cors, datasette-auth-passwords and
// datasette-auth-tokens installed) with the real CLI, runs the checks of
// checks.ts through CloudFront (cache hits, the download redirect, a push, a
// POST sign-in, a Bearer token, the 1 MB limit), deletes everything with
// delete-stack and looks for anything left (leftovers.ts), then prints each
// result and what the run cost (cost.ts, at the list prices of prices.ts).
// It costs well under a cent. Never run by CI or npm test: it is no *.test.ts
// file, and it needs credentials for a real account (never a local endpoint).
// --keep leaves the site up (delete it with `datasette-lambda delete-stack NAME`).
import { spawn } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createAwsClients } from "../../src/aws/clients.ts";
import { filterLogEvents } from "../../src/aws/logs.ts";
import { describeStack, stackOutputs } from "../../src/aws/stacks.ts";
import { parseReport, type LambdaReport } from "../../src/logs/report.ts";
import { findCertificateStacks } from "../../src/aws/site.ts";
import { SHARED_STACK_NAME, appStackName } from "../../src/plan/stack-names.ts";
import { CHECKS, countingFetch, type CheckResult, type FetchCounts } from "./checks.ts";
import { estimateCost, renderCost } from "./cost.ts";
import { findLeftovers, nothingLeft, type SiteRecord } from "./leftovers.ts";
import { PRICES_CHECKED } from "./prices.ts";

const BIN = fileURLToPath(new URL("../../bin/datasette-lambda.js", import.meta.url));

function usage(message: string): never {
  process.stderr.write(`Error: ${message}\nUsage: npm run smoke -- --region eu-west-1 [--profile NAME] [--keep]\n`);
  process.exit(2);
}

/** Runs the CLI; stderr (progress) goes to the terminal, stdout (--json) is returned. */
function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`datasette-lambda ${args[0]} exited ${code}`))));
  });
}

/** datasette-auth-passwords' hash format (its utils.hash_password). */
function passwordHash(password: string): string {
  const salt = randomBytes(8).toString("hex");
  return `pbkdf2_sha256$480000$${salt}$${pbkdf2Sync(password, salt, 480000, 32, "sha256").toString("base64")}`;
}

function files(dir: string, token: string) {
  const db = join(dir, "tiny.db");
  const sqlite = new DatabaseSync(db);
  sqlite.exec("create table items (id integer primary key, name text); insert into items (name) values ('one'), ('two'), ('three')");
  sqlite.close();
  writeFileSync(join(dir, "data.csv"), "id,city\n1,Lisbon\n2,Dakar\n");
  writeFileSync(join(dir, "extra.csv"), "id,value\n1,pushed\n");
  writeFileSync(
    join(dir, "metadata.json"),
    JSON.stringify({ plugins: { "datasette-auth-tokens": { tokens: [{ token, actor: { id: "bot" } }] } } }),
  );
  return { db, csv: join(dir, "data.csv"), extra: join(dir, "extra.csv"), metadata: join(dir, "metadata.json") };
}

async function reports(logs: ReturnType<typeof createAwsClients>["logs"], groups: string[], since: number): Promise<LambdaReport[]> {
  const found: LambdaReport[] = [];
  for (const logGroupName of groups) {
    try {
      for await (const page of filterLogEvents(logs, { logGroupName, startTime: since, filterPattern: "REPORT" })) {
        for (const event of page) {
          const report = parseReport(event.message);
          if (report) found.push(report);
        }
      }
    } catch {
      // A group the converter never wrote to: no reports.
    }
  }
  return found;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { region: { type: "string" }, profile: { type: "string" }, keep: { type: "boolean" } } });
  if (!values.region) usage("--region is required (the smoke test deploys there)");
  if (process.env.AWS_ENDPOINT_URL) usage("AWS_ENDPOINT_URL is set: the smoke test runs against a real AWS account only");
  const region = values.region;
  const account = [...(values.profile ? ["--profile", values.profile] : []), "--region", region];
  const clients = createAwsClients({ region, ...(values.profile ? { profile: values.profile } : {}) });
  const site = `dlsmoke-${randomBytes(4).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "dlsmoke-"));
  const password = randomBytes(12).toString("hex");
  const token = randomBytes(16).toString("hex");
  const input = files(dir, token);
  const started = Date.now();
  process.stderr.write(`Smoke test: site ${site} in ${region}\n`);

  const results: CheckResult[] = [];
  const counts: FetchCounts = { cloudfrontRequests: 0, cloudfrontBytes: 0, edgeInvocations: 0 };
  let record: SiteRecord | undefined;
  let uploadedFiles = 0;
  let logReports: LambdaReport[] = [];
  let leftoversOk = true;
  try {
    const deployed = JSON.parse(
      await cli([
        "update-stack",
        site,
        input.db,
        input.csv,
        ...account,
        "--cors",
        "--metadata",
        input.metadata,
        "--install",
        "datasette-auth-passwords==1.1.1",
        "--install",
        "datasette-auth-tokens==0.3",
        "--plugin-secret",
        "datasette-auth-passwords",
        "root_password_hash",
        passwordHash(password),
        "--json",
      ]),
    ) as { url: string; uploaded: { files: number } };
    uploadedFiles = deployed.uploaded.files;
    const app = stackOutputs(await describeStack(clients.cloudformation, appStackName(site)));
    const prereq = stackOutputs(await describeStack(clients.cloudformation, site));
    record = {
      stacks: [site, appStackName(site)],
      usEast1Stacks: (await findCertificateStacks(clients.usEast1Cloudformation, site)).map((s) => s.name),
      ...(prereq.BucketName ? { bucket: prereq.BucketName } : {}),
      functions: [app.FunctionName, app.ConverterFunctionName].filter((n): n is string => Boolean(n)),
      logGroups: [app.LogGroupName, app.ConverterLogGroupName].filter((n): n is string => Boolean(n)),
      ...(app.DistributionId ? { distributionId: app.DistributionId } : {}),
    };

    const fetch = countingFetch(deployed.url, counts);
    const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
    const smokeSite = {
      url: deployed.url,
      database: "tiny",
      databaseBytes: readFileSync(input.db),
      password,
      token,
      push: async () => void (await cli(["push", site, input.extra, ...account, "--no-wait", "--json"])),
    };
    for (const check of CHECKS) {
      let result: CheckResult;
      try {
        result = await check.run(smokeSite, fetch, sleep);
      } catch (error) {
        result = { name: check.name, pass: false, detail: `threw ${(error as Error).message}` };
      }
      results.push(result);
      process.stdout.write(`${result.pass ? "PASS" : "FAIL"}  ${result.name}: ${result.detail}\n`);
    }
    // REPORT lines reach CloudWatch within seconds.
    await sleep(10_000);
    logReports = await reports(clients.logs, record.logGroups, started);
  } finally {
    if (values.keep) {
      process.stdout.write(`Kept: delete it with datasette-lambda delete-stack ${site} ${account.join(" ")}\n`);
    } else {
      const sharedBefore = Boolean(await describeStack(clients.usEast1Cloudformation, SHARED_STACK_NAME));
      await cli(["delete-stack", site, ...account, "--yes", "--json"]).then(
        (out) => process.stdout.write(`delete-stack: ${out}`),
        (error: Error) => process.stdout.write(`FAIL  delete-stack: ${error.message}\n`),
      );
      if (record) {
        const sharedGone = sharedBefore && !(await describeStack(clients.usEast1Cloudformation, SHARED_STACK_NAME));
        if (sharedGone) record.usEast1Stacks.push(SHARED_STACK_NAME);
        const findings = await findLeftovers(clients, record, sharedGone);
        for (const finding of findings) {
          const label = finding.state === "gone" ? "PASS" : finding.state === "pending" ? "WAIT" : "FAIL";
          process.stdout.write(`${label}  ${finding.thing}: ${finding.state}${finding.detail ? ` (${finding.detail})` : ""}\n`);
        }
        leftoversOk = nothingLeft(findings);
      }
    }
  }

  const cost = estimateCost({
    ...counts,
    reports: logReports,
    arch: "arm64",
    // The artifacts uploaded, deploy leases, the deployed record, the push's manifest and database; the site's reads.
    s3Writes: uploadedFiles + 10,
    s3Reads: logReports.length + 20,
    logBytes: logReports.length * 400,
  });
  process.stdout.write(`\nEstimated cost of this run (list prices of ${PRICES_CHECKED}, free tiers left out):\n${renderCost(cost)}\n`);
  const passed = results.filter((r) => r.pass).length;
  process.stdout.write(
    `\n${passed} of ${CHECKS.length} checks passed${leftoversOk ? ", nothing left" : ", something was left: see above"}.\n`,
  );
  return passed === CHECKS.length && leftoversOk ? 0 : 1;
}

process.exitCode = await main();
