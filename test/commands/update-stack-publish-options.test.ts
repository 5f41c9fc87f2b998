// The real CLI's dry run with datasette publish's options: what reaches the
// package's manifest.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cliEnv, runCli } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
const HOST = ["--runtime", "python3.11", "--arch", "x86_64"];
/** Any AWS call would go nowhere: a dry run makes none. */
const env = cliEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined });

interface Summary {
  artifacts: Array<{ key: string }>;
}

async function dryRun(args: string[], out: string) {
  const result = await runCli(["update-stack", "mysite", ...args, "--dry-run", "--out", out, "--json", ...HOST], { env });
  assert.equal(result.code, 0, result.stderr);
  return { summary: JSON.parse(result.stdout) as Summary, ...result };
}

function manifestOf(out: string, summary: Summary): { metadata: Record<string, unknown>; settings: Record<string, unknown> } & Record<string, unknown> {
  const pkg = summary.artifacts.find((a) => a.key.startsWith("package/"))!;
  return JSON.parse(execFileSync("unzip", ["-p", join(out, "artifacts", pkg.key), "manifest.json"]).toString());
}

/** Every file under dir, and every file inside each zip there, as text. */
function everyFile(root: string): Array<{ name: string; text: string }> {
  const files: Array<{ name: string; text: string }> = [];
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    files.push({ name, text: readFileSync(path, "latin1") });
    if (name.endsWith(".zip")) files.push({ name: `${name} (unzipped)`, text: execFileSync("unzip", ["-p", path], { maxBuffer: 1 << 30 }).toString("latin1") });
  }
  return files;
}

function assertNowhere(value: string, out: string, result: { stdout: string; stderr: string }): void {
  assert.ok(!result.stdout.includes(value), "not on stdout");
  assert.ok(!result.stderr.includes(value), "not on stderr");
  const files = everyFile(out);
  assert.ok(files.some((f) => f.name.endsWith("(unzipped)")), "the package was searched too");
  for (const file of files) assert.ok(!file.text.includes(value), `not in ${file.name}`);
}

test("--title and friends reach the manifest's metadata, winning over --metadata's keys", async () => {
  const db = makeDatabase(join(dir, "fixtures.db"), { items: 3 });
  writeFileSync(join(dir, "metadata.json"), JSON.stringify({ title: "From the file", source: "File source", description: "kept" }));
  const out = join(dir, "out-metadata");
  const { summary } = await dryRun(
    [db, "--metadata", join(dir, "metadata.json"), "--title", "From the flag", "--license", "CC-BY-4.0",
      "--license_url", "https://creativecommons.org/licenses/by/4.0/", "--about_url", "https://example.com/about"],
    out,
  );
  assert.deepEqual(manifestOf(out, summary).metadata, {
    title: "From the flag",
    source: "File source",
    description: "kept",
    license: "CC-BY-4.0",
    license_url: "https://creativecommons.org/licenses/by/4.0/",
    about_url: "https://example.com/about",
  });
});

test("--setting (beside --config), --crossdb and --version-note reach the manifest", async () => {
  const db = makeDatabase(join(dir, "settings.db"), { items: 3 });
  const out = join(dir, "out-settings");
  const { summary } = await dryRun(
    [db, "--setting", "sql_time_limit_ms", "3500", "--config", "default_page_size:7", "--setting", "allow_facet", "off", "--crossdb", "--version-note", "CI run 42"],
    out,
  );
  const manifest = manifestOf(out, summary);
  assert.deepEqual(manifest.settings, { default_page_size: 7, sql_time_limit_ms: 3500, allow_facet: false });
  assert.equal(manifest.crossdb, true);
  assert.equal(manifest.versionNote, "CI run 42");
});

test("a bad --setting fails before anything is built, in one line naming the flag", async () => {
  const db = makeDatabase(join(dir, "bad.db"), { items: 1 });
  for (const [args, message] of [
    [["--setting", "sql_time_limit_ms", "fast"], /--setting sql_time_limit_ms takes a whole number/],
    [["--setting", "sql_time_limit_ms"], /--setting takes 2 values/],
  ] as const) {
    const out = join(dir, `out-bad-${args.length}`);
    const result = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", out, ...HOST, ...args], { env });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /Building|Packaging/);
  }
});

test("--secret (or DATASETTE_PUBLISH_SECRET) appears in no file of a dry run, nor on stdout or stderr", async () => {
  const db = makeDatabase(join(dir, "secret.db"), { items: 1 });
  const flagSecret = "flag-secret-3c9e1d7a";
  const out = join(dir, "out-secret");
  const result = await dryRun([db, "--secret", flagSecret, "--verbose"], out);
  assert.match(result.stderr, /The secret is not written to --out/);
  assertNowhere(flagSecret, out, result);

  const envSecret = "env-secret-88b2f0c4";
  const outEnv = join(dir, "out-secret-env");
  const fromEnv = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", outEnv, "--json", ...HOST], { env: { ...env, DATASETTE_PUBLISH_SECRET: envSecret } });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assertNowhere(envSecret, outEnv, fromEnv);
});
