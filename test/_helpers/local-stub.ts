// The real runtime over HTTP, for end-to-end tests: stub/tests/local_server.py
// (the site's Lambda handler behind a local HTTP server, one instance) serving a
// task root whose manifest.json is the one update-stack builds
// (src/plan/manifest.ts) for `plan`, its inline databases beside it, and
// following the live data of a bucket on the local moto server:
//
//   const site = await startLocalStub(moto, bucket, samplePlan({ databases: [] }));
//   after(() => site.stop());
//   fetch(`${site.url}-/datasette-lambda.json`);
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { buildManifest, serializeManifest } from "../../src/plan/manifest.ts";
import type { DeployPlan } from "../../src/plan/types.ts";
import { REPO_ROOT, TEST_PYTHON } from "./cli.ts";
import { MOTO_REGION, type MotoServer } from "./moto.ts";

const SERVER = join(REPO_ROOT, "stub/tests/local_server.py");

export interface LocalStub {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** What the runtime logged so far (its log lines go to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** A task root as update-stack packages it, without the code: manifest.json and databases/. */
function taskRoot(plan: DeployPlan): string {
  const root = mkdtempSync(join(tmpdir(), "dl-local-stub-"));
  mkdirSync(join(root, "databases"));
  writeFileSync(join(root, "manifest.json"), serializeManifest(buildManifest(plan)));
  for (const db of plan.databases) if (db.location === "inline") copyFileSync(db.path, join(root, "databases", db.fileName));
  return root;
}

export async function startLocalStub(
  moto: Pick<MotoServer, "endpoint">,
  bucket: string,
  plan: DeployPlan,
  options: { liveSeconds?: string; secret?: string } = {},
): Promise<LocalStub> {
  const root = taskRoot(plan);
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    TEST_PYTHON,
    [SERVER, "--task-root", root, "--port", "0", "--stop-on-eof"],
    {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_DEFAULT_REGION: MOTO_REGION,
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        AWS_EC2_METADATA_DISABLED: "true",
        DATASETTE_LAMBDA_BUCKET: bucket,
        DATASETTE_LAMBDA_LIVE_SECONDS: options.liveSeconds ?? "0.2",
        DATASETTE_SECRET: options.secret ?? "local-stub-secret-0123456789",
        PYTHONUNBUFFERED: "1",
      },
    },
  );
  let log = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const ready = /^READY (\d+)$/m.exec(stdout);
      if (ready) resolve(Number(ready[1]));
    });
    child.once("exit", (code) => reject(new Error(`local_server.py exited (${code}) before it was ready:\n${log}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${port}/`, log: () => log, stop };
}
