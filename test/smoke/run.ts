// npm run smoke -- --region eu-west-1 [--profile NAME] [--keep] [--in-place] [--schedule URL]
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
//
// Opt-in, since each costs minutes (a little money, still under a cent):
// --in-place deploys the site with --in-place --external and one more database
// over S3 Files' 128 KiB import threshold, checks it is served with every row,
// that the site's log says it was read in place and nothing downloaded, and
// gives the push 5 minutes (served once S3 Files shows it); leftovers then
// include the NAME-files stack and its VPC (deleting them waits for Lambda to
// delete the function's network interfaces: usually minutes, at most 45).
// --schedule URL (a small public data file) schedules it --every 1m, runs it at
// once by invoking the converter with the schedule's own Input (what Scheduler
// sends), checks ls's record of the run and that the database is served, waits
// for Scheduler's own next run, then unschedules it.
import { spawn } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createAwsClients } from "../../src/aws/clients.ts";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { GetScheduleCommand } from "@aws-sdk/client-scheduler";
import { filterLogEvents } from "../../src/aws/logs.ts";
import { scheduleNames } from "../../src/aws/schedules.ts";
import { describeStack, stackOutputs } from "../../src/aws/stacks.ts";
import { parseReport, type LambdaReport } from "../../src/logs/report.ts";
import { findCertificateStacks, stackResources } from "../../src/aws/site.ts";
import type { ListedImport } from "../../src/live/schedule-state.ts";
import { checkSourceUrl, scheduledDatabase } from "../../src/live/schedule.ts";
import { SHARED_STACK_NAME, appStackName, filesStackName } from "../../src/plan/stack-names.ts";
import { checksFor, countingFetch, IN_PLACE_PUSH_SECONDS, type CheckResult, type FetchCounts, type SmokeSite } from "./checks.ts";
import { estimateCost, renderCost, scheduledInvocations } from "./cost.ts";
import { findLeftovers, nothingLeft, type SiteRecord } from "./leftovers.ts";
import { PRICES_CHECKED } from "./prices.ts";

const BIN = fileURLToPath(new URL("../../bin/datasette-lambda.js", import.meta.url));

function usage(message: string): never {
  process.stderr.write(
    `Error: ${message}\nUsage: npm run smoke -- --region eu-west-1 [--profile NAME] [--keep] [--in-place] [--schedule URL]\n`,
  );
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

/** Over S3 Files' 128 KiB import threshold (about 1 MB), so its reads go straight to S3 as a big database's would. */
const IN_PLACE_DB = { database: "inplace", table: "readings", rows: 20_000 };

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
  const inPlace = join(dir, `${IN_PLACE_DB.database}.db`);
  const big = new DatabaseSync(inPlace);
  big.exec(
    `create table ${IN_PLACE_DB.table} (id integer primary key, label text);
     with recursive n(i) as (select 1 union all select i + 1 from n where i < ${IN_PLACE_DB.rows})
     insert into ${IN_PLACE_DB.table} select i, 'reading ' || i || ' ' || hex(randomblob(12)) from n`,
  );
  big.close();
  return { db, inPlace, csv: join(dir, "data.csv"), extra: join(dir, "extra.csv"), metadata: join(dir, "metadata.json") };
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

/** The site function's own lines ("datasette-lambda: ..."), oldest first. */
async function logLines(logs: ReturnType<typeof createAwsClients>["logs"], logGroupName: string, since: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const page of filterLogEvents(logs, { logGroupName, startTime: since, filterPattern: '"datasette-lambda:"' })) {
    for (const event of page) lines.push(event.message);
  }
  return lines;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      region: { type: "string" },
      profile: { type: "string" },
      keep: { type: "boolean" },
      "in-place": { type: "boolean" },
      schedule: { type: "string" },
    },
  });
  if (!values.region) usage("--region is required (the smoke test deploys there)");
  const inPlace = Boolean(values["in-place"]);
  const source = values.schedule;
  if (source !== undefined) {
    // The CLI's own rules, before anything is deployed: an http(s) URL whose file name names the database.
    try {
      scheduledDatabase(checkSourceUrl(source), undefined);
    } catch (error) {
      usage(`--schedule ${source}: ${(error as Error).message} (give a public data file, e.g. https://example.org/data.csv)`);
    }
  }
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
  let siteColdStarts = 0;
  // When the schedule existed (rate(1 minute): Scheduler's deliveries are priced from it).
  let scheduled: { from: number; to?: number } | undefined;
  const checks = checksFor({ inPlace, schedule: source !== undefined });
  try {
    const deployed = JSON.parse(
      await cli([
        "update-stack",
        site,
        input.db,
        input.csv,
        ...(inPlace ? [input.inPlace, "--in-place", "--external"] : []),
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
    // The VPC is found through its stack now: after delete-stack there is no stack to ask.
    const vpcId = inPlace
      ? (await stackResources(clients.cloudformation, filesStackName(site))).find((r) => r.logicalId === "Vpc")?.physicalId
      : undefined;
    record = {
      stacks: [site, appStackName(site), ...(inPlace ? [filesStackName(site)] : [])],
      usEast1Stacks: (await findCertificateStacks(clients.usEast1Cloudformation, site)).map((s) => s.name),
      ...(prereq.BucketName ? { bucket: prereq.BucketName } : {}),
      functions: [app.FunctionName, app.ConverterFunctionName].filter((n): n is string => Boolean(n)),
      logGroups: [app.LogGroupName, app.ConverterLogGroupName].filter((n): n is string => Boolean(n)),
      ...(app.DistributionId ? { distributionId: app.DistributionId } : {}),
      ...(vpcId ? { vpcId } : {}),
      ...(app.ScheduleGroupName ? { scheduleGroup: app.ScheduleGroupName } : {}),
    };
    const group = app.ScheduleGroupName;
    if (source !== undefined && !group) throw new Error(`${appStackName(site)} has no ScheduleGroupName output: nothing to schedule into`);

    const fetch = countingFetch(deployed.url, counts);
    const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
    const smokeSite: SmokeSite = {
      url: deployed.url,
      database: "tiny",
      databaseBytes: readFileSync(input.db),
      password,
      token,
      push: async () => void (await cli(["push", site, input.extra, ...account, "--no-wait", "--json"])),
      ...(inPlace ? { inPlace: { ...IN_PLACE_DB, logLines: () => logLines(clients.logs, app.LogGroupName ?? "", started) } } : {}),
      ...(source !== undefined && group
        ? {
            schedule: {
              source,
              servedWithinSeconds: inPlace ? IN_PLACE_PUSH_SECONDS : 60,
              schedule: async () => {
                const result = JSON.parse(await cli(["schedule", site, source, "--every", "1m", ...account, "--json"]));
                scheduled = { from: Date.now() };
                return result as { schedule: string; database: string; expression: string };
              },
              // What Scheduler would send, sent now: the schedule's own target and Input.
              runNow: async (name) => {
                const { Target } = await clients.scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));
                const answer = await clients.lambda.send(
                  new InvokeCommand({ FunctionName: Target?.Arn, Payload: new TextEncoder().encode(Target?.Input ?? "{}") }),
                );
                const payload = JSON.parse(new TextDecoder().decode(answer.Payload ?? new Uint8Array()) || "{}");
                return answer.FunctionError ? { status: `error (${answer.FunctionError})`, detail: payload.errorMessage } : payload;
              },
              imports: async () => (JSON.parse(await cli(["ls", site, ...account, "--json"])) as { imports: ListedImport[] }).imports,
              unschedule: async () => {
                await cli(["unschedule", site, source, ...account, "--json"]);
                if (scheduled) scheduled.to = Date.now();
              },
              groupSchedules: () => scheduleNames(clients.scheduler, group),
            },
          }
        : {}),
    };
    for (const check of checks) {
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
    const siteReports = await reports(clients.logs, app.LogGroupName ? [app.LogGroupName] : [], started);
    siteColdStarts = siteReports.filter((r) => r.initDurationMs !== undefined).length;
    logReports = [...siteReports, ...(await reports(clients.logs, app.ConverterLogGroupName ? [app.ConverterLogGroupName] : [], started))];
  } finally {
    if (scheduled && scheduled.to === undefined && values.keep) {
      process.stdout.write(`Still scheduled every minute: datasette-lambda unschedule ${site} ${source} ${account.join(" ")}\n`);
    }
    if (values.keep) {
      process.stdout.write(`Kept: delete it with datasette-lambda delete-stack ${site} ${account.join(" ")}\n`);
    } else {
      // delete-stack deletes the schedules first.
      if (scheduled && scheduled.to === undefined) scheduled.to = Date.now();
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

  const invocations = scheduled ? scheduledInvocations((scheduled.to ?? Date.now()) - scheduled.from) : undefined;
  const cost = estimateCost({
    ...counts,
    reports: logReports,
    arch: "arm64",
    // The artifacts uploaded, deploy leases, the deployed record, the push's manifest and database; the site's reads;
    // each scheduled run's record, and at most a database and a manifest.
    s3Writes: uploadedFiles + 10 + 3 * ((invocations ?? 0) + (scheduled ? 1 : 0)),
    s3Reads: logReports.length + 20,
    logBytes: logReports.length * 400,
    ...(inPlace
      ? {
          inPlace: {
            directBytes: statSync(input.inPlace).size,
            // tiny.db, the pushed database and the manifests: under the threshold, imported and read from S3 Files' storage.
            smallBytes: statSync(input.db).size + 64 * 1024,
            instances: Math.max(1, siteColdStarts),
            mountTargets: 2,
          },
        }
      : {}),
    ...(invocations !== undefined ? { schedulerInvocations: invocations } : {}),
  });
  process.stdout.write(`\nEstimated cost of this run (list prices of ${PRICES_CHECKED}, free tiers left out):\n${renderCost(cost)}\n`);
  const passed = results.filter((r) => r.pass).length;
  process.stdout.write(
    `\n${passed} of ${checks.length} checks passed${leftoversOk ? ", nothing left" : ", something was left: see above"}.\n`,
  );
  return passed === checks.length && leftoversOk ? 0 : 1;
}

process.exitCode = await main();
