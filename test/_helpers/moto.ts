// A local moto server for end-to-end tests: test/e2e/moto/server.py (moto plus
// labelled stand-ins for the resource types moto lacks) on a free 127.0.0.1 port.
// Each test file starts its own, so files stay independent:
//
//   const moto = await startMoto();
//   after(() => moto.stop());
//   runCli(args, { env: motoEnv(moto.endpoint, cliEnv()) });   // the CLI (test/_helpers/cli.ts)
//   new CloudFormationClient(moto.clientConfig);               // the SDK
//   new S3Client({ ...moto.clientConfig, forcePathStyle: true });
//
// moto is not AWS; what the e2e tests can and cannot rely on (moto 5.2.5):
// - stack events are stack-level only (no per-resource or *_FAILED events);
// - UpdateStack raises "No updates are to be performed." only when Parameters
//   are passed and equal the stack's resolved ones, which never holds for a
//   template with Number parameters or unpassed defaults (app.yaml has both);
// - DescribeStacks shows NoEcho parameter values in clear;
// - ListStackResources lists a resource whose Condition is false as an empty row;
// - DeleteStack reports DELETE_COMPLETE but silently keeps a non-empty bucket;
// - AWS::Lambda::Function ignores Architectures, EphemeralStorage, LoggingConfig,
//   and Layers on create; functions can be created but not invoked (no Docker).
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { isAbsolute, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVER_SCRIPT = join(REPO_ROOT, "test/e2e/moto/server.py");

export const MOTO_REGION = "us-east-1";

export interface MotoClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface MotoServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** A complete environment for a child process (the CLI): this process's
   * environment without any AWS_* variable, plus the endpoint, fake
   * credentials and region. A developer's AWS profile can never leak in. */
  env: Record<string, string>;
  /** For AWS SDK clients in the test itself (S3 also needs forcePathStyle). */
  clientConfig: MotoClientConfig;
  /** Stops the server (its whole process group); safe to call twice. */
  stop(): Promise<void>;
}

/** The Python that has moto: $DATASETTE_LAMBDA_PYTHON, else the repo's .venv. */
export function motoPython(env: NodeJS.ProcessEnv = process.env): string {
  const python = env.DATASETTE_LAMBDA_PYTHON ?? ".venv/bin/python";
  // A bare command name is looked up on PATH; a relative path is the repo's.
  return python.includes("/") && !isAbsolute(python) ? join(REPO_ROOT, python) : python;
}

/** The environment for the CLI against `endpoint`, from `base` minus AWS_*. */
export function motoEnv(endpoint: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !key.startsWith("AWS_")) env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: MOTO_REGION,
    // No shared config or credentials files, no instance metadata lookups.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

type ServerProcess = ChildProcessByStdio<Writable, Readable, Readable>;

const STDERR_KEEP = 8_000;
const running = new Set<ServerProcess>();

// Last resort if a test file exits without running its after() hooks. The
// server also stops by itself when its stdin closes (--exit-on-stdin-eof).
process.on("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ServerProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached: the server leads its own group
  } catch {
    // already gone
  }
}

export async function startMoto(options: { timeoutMs?: number; verbose?: boolean } = {}): Promise<MotoServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const python = motoPython();
  const args = [SERVER_SCRIPT, "--port", "0", "--exit-on-stdin-eof", ...(options.verbose ? ["--verbose"] : [])];
  const child: ServerProcess = spawn(python, args, {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  running.add(child);
  const exited = once(child, "exit").catch(() => undefined);

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        killGroup(child, "SIGTERM");
        const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    })();
    return stopping;
  };

  let port: number;
  try {
    port = await waitForReady(child, timeoutMs, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }

  // From here on a forgotten stop() must not keep the test process alive; the
  // exit handler above and the server's stdin watch still end it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: motoEnv(endpoint),
    clientConfig: {
      endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    },
    stop,
  };
}

function waitForReady(child: ServerProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const fail = (why: string) => {
      cleanup();
      const python = motoPython();
      reject(
        new Error(
          `moto server ${why} (python: ${python}; set DATASETTE_LAMBDA_PYTHON to a Python with ` +
            `requirements-test.txt installed).\n--- server stderr ---\n${stderr().trim()}`,
        ),
      );
    };
    const onData = (chunk: string) => {
      stdout += chunk;
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match) {
        cleanup();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited before it was ready (${signal ?? `exit code ${code}`})`);
    const onError = (error: Error) => fail(`could not start: ${error.message}`);
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

/** What a stand-in model recorded (see test/e2e/moto/server.py). */
export interface StandInRecord {
  type: string;
  stackId: string;
  logicalId: string;
  physicalResourceId: string;
  properties: Record<string, unknown>;
  attributes: Record<string, string>;
  deleted: boolean;
  updateCount: number;
}

/** Every stand-in resource the server has created (deleted ones too),
 * optionally only those of one stack (its id, or its name). */
export async function standIns(moto: Pick<MotoServer, "endpoint">, stack?: string): Promise<StandInRecord[]> {
  const response = await fetch(`${moto.endpoint}/_e2e/standins`);
  if (!response.ok) throw new Error(`moto /_e2e/standins: HTTP ${response.status}`);
  const records = (await response.json()) as StandInRecord[];
  if (stack === undefined) return records;
  // Stack ids look like arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID.
  return records.filter((r) => r.stackId === stack || r.stackId.split("/")[1] === stack);
}

/** Calls moto's Lambda REST API (the project has no Lambda SDK client). moto
 * picks the service from the credential scope of the Authorization header and
 * does not check signatures, so a well-formed unsigned header is enough. */
export async function motoLambda(moto: Pick<MotoServer, "endpoint">, path: string): Promise<{ status: number; body: unknown }> {
  const scope = `testing/20260101/${MOTO_REGION}/lambda/aws4_request`;
  const response = await fetch(`${moto.endpoint}/2015-03-31${path}`, {
    headers: { Authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0` },
  });
  return { status: response.status, body: await response.json() };
}

/** Calls moto's EventBridge JSON API (the project has no EventBridge SDK client),
 * e.g. motoEvents(moto, "ListRules", {}). Unsigned, as motoLambda. */
export async function motoEvents(
  moto: Pick<MotoServer, "endpoint">,
  action: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const scope = `testing/20260101/${MOTO_REGION}/events/aws4_request`;
  const response = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0`,
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSEvents.${action}`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`moto events ${action}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
