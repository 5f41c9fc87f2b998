// Runs the real CLI (bin/datasette-lambda.js) in a child process.
import { execFileSync, spawn } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { UpdateStackRequest } from "./update-stack-process.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/datasette-lambda.js", import.meta.url));
const UPDATE_STACK_PROCESS = fileURLToPath(new URL("./update-stack-process.ts", import.meta.url));

/**
 * Shared between test runs and checkouts (a fresh clone too), so each dependency layer is built once per
 * machine: the CLI keys every entry by what goes into it. Tests that need a cold cache make their own.
 */
export const TEST_CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "datasette-lambda-test");

/**
 * Node's arguments to run a TypeScript file: none where Node strips types by default (22.18, 23.6 and newer), else
 * tsx's loader, which costs each process a third of a second of CPU once the AWS SDK is loaded (bin/ does the same).
 */
export const TYPESCRIPT_ARGS: string[] = process.features.typescript ? [] : ["--import", "tsx"];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for the CLI: the test venv's tools (uv) first on PATH, the shared layer cache. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${REPO_ROOT}.venv/bin:${process.env.PATH}`,
    DATASETTE_LAMBDA_CACHE: TEST_CACHE,
    NO_COLOR: "1",
    ...extra,
  };
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runNode([BIN, ...args], options);
}

/**
 * runCli for each argument list, a few processes at a time; the results in the lists' order. For a test's many
 * independent runs: a CLI run is mostly its start-up, so a few at once keep both cores busy.
 */
export async function runClis(
  argLists: string[][],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  atOnce = 4,
): Promise<CliResult[]> {
  const results: CliResult[] = new Array(argLists.length);
  let next = 0;
  const worker = async () => {
    while (next < argLists.length) {
      const index = next++;
      results[index] = await runCli(argLists[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, argLists.length) }, worker));
  return results;
}

/** update-stack's core in a process of its own, with clean-up's minimum age injected (update-stack-process.ts). */
export function runUpdateStackProcess(request: UpdateStackRequest, options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runNode([...TYPESCRIPT_ARGS, UPDATE_STACK_PROCESS, JSON.stringify(request)], { ...options, cwd: REPO_ROOT });
}

function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: options.env ?? cliEnv(), cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The test venv's Python (datasette, mangum, moto, cfn-lint, uv). */
export const TEST_PYTHON = process.env.DATASETTE_LAMBDA_PYTHON ?? `${REPO_ROOT}.venv/bin/python`;

/** "3.11": builds "for the host" target this Python's minor version. */
export function testPythonVersion(): string {
  return execFileSync(TEST_PYTHON, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).toString().trim();
}

/**
 * update-stack's flags for a build like the tests' other builds: one runtime and architecture, so
 * the dependency layer is built once per machine (the shared cache) and the dry runs, the
 * e2e deploys and the CLI tests reuse it.
 */
export const HOST_BUILD = ["--runtime", "python3.11", "--arch", "x86_64"];

/** What update-stack --json prints after a deploy (docs/cli.md). */
export interface DeployJson {
  stack: string;
  url: string;
  functionUrl: string;
  changed: boolean;
  uploaded: { files: number; bytes: number };
}

/** update-stack ARGS --json, which must succeed; its result. */
export async function updateStackJson(args: string[], env: NodeJS.ProcessEnv): Promise<DeployJson> {
  const result = await runCli(["update-stack", ...args, "--json"], { env });
  if (result.code !== 0) throw new Error(`update-stack ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as DeployJson;
}
