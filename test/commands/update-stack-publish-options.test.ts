// The real CLI's dry run with datasette publish's options: what reaches the
// package's manifest.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cliEnv, runCli, HOST_BUILD } from "../_helpers/cli.ts";
import { makeDatabase, tempDir } from "../_helpers/fixtures.ts";

const dir = tempDir();
/** Any AWS call would go nowhere: a dry run makes none. */
const env = cliEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: undefined });

interface Summary {
  artifacts: Array<{ key: string }>;
}

async function dryRun(args: string[], out: string) {
  const result = await runCli(["update-stack", "mysite", ...args, "--dry-run", "--out", out, "--json", ...HOST_BUILD], { env });
  assert.equal(result.code, 0, result.stderr);
  return { summary: JSON.parse(result.stdout) as Summary, ...result };
}

function manifestOf(
  out: string,
  summary: Summary,
): { metadata: Record<string, unknown>; settings: Record<string, unknown> } & Record<string, unknown> {
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
    if (name.endsWith(".zip"))
      files.push({ name: `${name} (unzipped)`, text: execFileSync("unzip", ["-p", path], { maxBuffer: 1 << 30 }).toString("latin1") });
  }
  return files;
}

function assertNowhere(value: string, out: string, result: { stdout: string; stderr: string }): void {
  assert.ok(!result.stdout.includes(value), "not on stdout");
  assert.ok(!result.stderr.includes(value), "not on stderr");
  const files = everyFile(out);
  assert.ok(
    files.some((f) => f.name.endsWith("(unzipped)")),
    "the package was searched too",
  );
  for (const file of files) assert.ok(!file.text.includes(value), `not in ${file.name}`);
}

test("--title and friends reach the manifest's metadata, winning over --metadata's keys", async () => {
  const db = makeDatabase(join(dir, "fixtures.db"), { items: 3 });
  writeFileSync(join(dir, "metadata.json"), JSON.stringify({ title: "From the file", source: "File source", description: "kept" }));
  const out = join(dir, "out-metadata");
  const { summary } = await dryRun(
    [
      db,
      "--metadata",
      join(dir, "metadata.json"),
      "--title",
      "From the flag",
      "--license",
      "CC-BY-4.0",
      "--license_url",
      "https://creativecommons.org/licenses/by/4.0/",
      "--about_url",
      "https://example.com/about",
    ],
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
    [
      db,
      "--setting",
      "sql_time_limit_ms",
      "3500",
      "--config",
      "default_page_size:7",
      "--setting",
      "allow_facet",
      "off",
      "--crossdb",
      "--version-note",
      "CI run 42",
    ],
    out,
  );
  const manifest = manifestOf(out, summary);
  assert.deepEqual(manifest.settings, { default_page_size: 7, sql_time_limit_ms: 3500, allow_facet: false });
  assert.equal(manifest.crossdb, true);
  assert.equal(manifest.versionNote, "CI run 42");
});

test("--extra-options: datasette serve's options reach the manifest, --metadata's file included", async () => {
  const db = makeDatabase(join(dir, "extra.db"), { items: 3 });
  writeFileSync(join(dir, "extra-metadata.json"), JSON.stringify({ title: "From --extra-options" }));
  const out = join(dir, "out-extra");
  const { summary } = await dryRun(
    [
      db,
      "--config",
      "default_page_size:7",
      "--extra-options",
      `--setting sql_time_limit_ms 3500 --crossdb --version-note 'a b' -m ${join(dir, "extra-metadata.json")}`,
    ],
    out,
  );
  const manifest = manifestOf(out, summary);
  assert.deepEqual(manifest.settings, { default_page_size: 7, sql_time_limit_ms: 3500 });
  assert.equal(manifest.crossdb, true);
  assert.equal(manifest.versionNote, "a b");
  assert.deepEqual(manifest.metadata, { title: "From --extra-options" });
});

test("--extra-options: a refused option fails in one line naming it, before anything is built", async () => {
  const db = makeDatabase(join(dir, "extra-bad.db"), { items: 1 });
  const out = join(dir, "out-extra-bad");
  const result = await runCli(
    ["update-stack", "mysite", db, "--dry-run", "--out", out, ...HOST_BUILD, "--extra-options", "--cors --port 9000"],
    {
      env,
    },
  );
  assert.equal(result.code, 1);
  const [first, hint, ...rest] = result.stderr.trim().split("\n");
  assert.match(first ?? "", /^Error: --extra-options: --port is not used: Lambda chooses the listener$/);
  assert.match(hint ?? "", /^Drop it/);
  assert.deepEqual(rest, []);
  assert.ok(!existsSync(out), "nothing written");
});

test("a bad --setting fails before anything is built, in one line naming the flag", async () => {
  const db = makeDatabase(join(dir, "bad.db"), { items: 1 });
  for (const [args, message] of [
    [["--setting", "sql_time_limit_ms", "fast"], /--setting sql_time_limit_ms takes a whole number/],
    [["--setting", "sql_time_limit_ms"], /--setting takes 2 values/],
  ] as const) {
    const out = join(dir, `out-bad-${args.length}`);
    const result = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", out, ...HOST_BUILD, ...args], { env });
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
  assert.match(result.stderr, /Secrets \(--secret, --plugin-secret values\) are not written to --out/);
  assertNowhere(flagSecret, out, result);

  const envSecret = "env-secret-88b2f0c4";
  const outEnv = join(dir, "out-secret-env");
  const fromEnv = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", outEnv, "--json", ...HOST_BUILD], {
    env: { ...env, DATASETTE_PUBLISH_SECRET: envSecret },
  });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assertNowhere(envSecret, outEnv, fromEnv);
});

test("--plugin-secret: $env references in the manifest's metadata; the value in no file, nor on stdout or stderr", async () => {
  const db = makeDatabase(join(dir, "plugin-secret.db"), { items: 1 });
  writeFileSync(join(dir, "plugins.json"), JSON.stringify({ plugins: { "datasette-auth-github": { client_id: "public-id" } } }));
  const value = "plugin-secret-value-5d1e";
  const out = join(dir, "out-plugin-secret");
  const result = await dryRun(
    [db, "--metadata", join(dir, "plugins.json"), "--plugin-secret", "datasette-auth-github", "client_secret", value, "--verbose"],
    out,
  );
  assert.deepEqual(manifestOf(out, result.summary).metadata, {
    plugins: { "datasette-auth-github": { client_id: "public-id", client_secret: { $env: "DATASETTE_AUTH_GITHUB_CLIENT_SECRET" } } },
  });
  assertNowhere(value, out, result);
});

test(
  "DATASETTE_PUBLISH_PLUGIN_SECRETS: plugin secrets off the command line, the same $env references; " +
    "a bad value fails without echoing it",
  async () => {
    const db = makeDatabase(join(dir, "plugin-secret-env.db"), { items: 1 });
    const value = "plugin-secret-env-value-7a41";
    const out = join(dir, "out-plugin-secret-env");
    const result = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", out, "--json", ...HOST_BUILD], {
      env: { ...env, DATASETTE_PUBLISH_PLUGIN_SECRETS: JSON.stringify([["datasette-auth-github", "client_secret", value]]) },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(manifestOf(out, JSON.parse(result.stdout)).metadata, {
      plugins: { "datasette-auth-github": { client_secret: { $env: "DATASETTE_AUTH_GITHUB_CLIENT_SECRET" } } },
    });
    assertNowhere(value, out, result);

    const bad = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "out-plugin-secret-env-bad"), ...HOST_BUILD], {
      env: { ...env, DATASETTE_PUBLISH_PLUGIN_SECRETS: `[["p", "k", "${value}"` },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /DATASETTE_PUBLISH_PLUGIN_SECRETS: not valid JSON/);
    assert.ok(!bad.stderr.includes(value));
  },
);

test("--plugin-secret over Lambda's 4 KB environment fails before anything is built", async () => {
  const db = makeDatabase(join(dir, "plugin-big.db"), { items: 1 });
  const out = join(dir, "out-plugin-big");
  const result = await runCli(
    ["update-stack", "mysite", db, "--dry-run", "--out", out, ...HOST_BUILD, "--plugin-secret", "p", "k", "v".repeat(4000)],
    { env },
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /the --plugin-secret values take \d+ bytes/);
  assert.doesNotMatch(result.stderr, /vvvv|Building/);
});

function assetDirs(name: string): { plugins: string; templates: string; assets: string } {
  const root = join(dir, name);
  const plugins = join(root, "plugins");
  const templates = join(root, "templates");
  const assets = join(root, "static");
  mkdirSync(join(plugins, "__pycache__"), { recursive: true });
  mkdirSync(join(assets, "img"), { recursive: true });
  mkdirSync(templates, { recursive: true });
  writeFileSync(join(plugins, "my_plugin.py"), "from datasette import hookimpl\n");
  writeFileSync(join(plugins, "__pycache__", "my_plugin.cpython-311.pyc"), "machine-specific");
  writeFileSync(join(templates, "_footer.html"), "<p>mine</p>");
  writeFileSync(join(assets, "style.css"), "body {}");
  writeFileSync(join(assets, "img", "logo.svg"), "<svg/>");
  return { plugins, templates, assets };
}

test("--plugins-dir, --template-dir and --static go into the package under site/, named by the manifest, deterministically", async () => {
  const db = makeDatabase(join(dir, "assets.db"), { items: 1 });
  const { plugins, templates, assets } = assetDirs("assets-a");
  const args = [
    db,
    "--plugins-dir",
    plugins,
    "--template-dir",
    templates,
    "--static",
    `assets:${assets}`,
    "--static",
    `docs/v1:${templates}`,
  ];
  const out = join(dir, "out-assets");
  const { summary } = await dryRun(args, out);
  const manifest = manifestOf(out, summary);
  assert.equal(manifest.pluginsDir, "site/plugins");
  assert.equal(manifest.templateDir, "site/templates");
  assert.deepEqual(manifest.staticMounts, [
    { mount: "assets", dir: "site/static/0" },
    { mount: "docs/v1", dir: "site/static/1" },
  ]);
  const pkg = join(out, "artifacts", summary.artifacts.find((a) => a.key.startsWith("package/"))!.key);
  const names = execFileSync("unzip", ["-Z1", pkg])
    .toString()
    .split("\n")
    .filter((name) => name.startsWith("site/"));
  assert.deepEqual(names.sort(), [
    "site/plugins/my_plugin.py",
    "site/static/0/img/logo.svg",
    "site/static/0/style.css",
    "site/static/1/_footer.html",
    "site/templates/_footer.html",
  ]);

  // The same files elsewhere: the same package. A changed file: another.
  const copy = assetDirs("assets-b");
  const again = await dryRun(
    [
      db,
      "--plugins-dir",
      copy.plugins,
      "--template-dir",
      copy.templates,
      "--static",
      `assets:${copy.assets}`,
      "--static",
      `docs/v1:${copy.templates}`,
    ],
    join(dir, "out-assets-b"),
  );
  const packageKey = (s: Summary) => s.artifacts.find((a) => a.key.startsWith("package/"))!.key;
  assert.equal(packageKey(again.summary), packageKey(summary));
  writeFileSync(join(copy.assets, "style.css"), "body { color: red }");
  const changed = await dryRun(
    [
      db,
      "--plugins-dir",
      copy.plugins,
      "--template-dir",
      copy.templates,
      "--static",
      `assets:${copy.assets}`,
      "--static",
      `docs/v1:${copy.templates}`,
    ],
    join(dir, "out-assets-c"),
  );
  assert.notEqual(packageKey(changed.summary), packageKey(summary));
});

test("bad --plugins-dir, --template-dir and --static fail before anything is built, naming the flag", async () => {
  const db = makeDatabase(join(dir, "assets-bad.db"), { items: 1 });
  const file = join(dir, "not-a-dir.txt");
  writeFileSync(file, "x");
  for (const [args, message] of [
    [["--plugins-dir", join(dir, "nope")], /--plugins-dir: .*nope does not exist/],
    [["--template-dir", file], /--template-dir: .*not-a-dir\.txt is not a directory/],
    [["--static", "assets"], /--static "assets" is not MOUNT:DIR/],
    [["--static", `assets:${join(dir, "nope")}`], /--static assets: .*nope does not exist/],
  ] as const) {
    const result = await runCli(["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "out-assets-bad"), ...HOST_BUILD, ...args], {
      env,
    });
    assert.notEqual(result.code, 0, args.join(" "));
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /Building|Packaging|Checking/);
  }
});

test("a bad --install fails before anything is built, naming the flag", async () => {
  const db = makeDatabase(join(dir, "install-bad.db"), { items: 1 });
  const result = await runCli(
    [
      "update-stack",
      "mysite",
      db,
      "--dry-run",
      "--out",
      join(dir, "out-install-bad"),
      ...HOST_BUILD,
      "--install",
      "--index-url=https://example.com",
    ],
    { env },
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--install "--index-url=https:\/\/example\.com" is not a package name/);
  assert.doesNotMatch(result.stderr, /Building|Packaging|Checking/);
});

test("an --install wheel that is not there fails before anything is converted or built, naming the flag", async () => {
  const db = makeDatabase(join(dir, "install-missing.db"), { items: 1 });
  const csv = join(dir, "install-missing.csv");
  writeFileSync(csv, "id,name\n1,a\n");
  const wheel = "./no-such-dist/datasette_foo-0.1-py3-none-any.whl";
  const result = await runCli(
    ["update-stack", "mysite", db, csv, "--dry-run", "--out", join(dir, "out-install-missing"), ...HOST_BUILD, "--install", wheel],
    { env, cwd: dir },
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--install \.\/no-such-dist\/datasette_foo-0\.1-py3-none-any\.whl: no such file \(/);
  assert.match(result.stderr, /pip wheel --no-deps/);
  assert.doesNotMatch(result.stderr, /Converting|Building|Packaging|Checking/);
});

test("an --install the installer cannot resolve fails naming it, before any data file is converted", async () => {
  // A stand-in uv (first on PATH) that fails as uv does for a package with no usable wheel; a fresh cache, so the layer is built.
  const bin = join(dir, "failing-uv");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "uv"),
    '#!/bin/sh\n[ "$1" = "--version" ] && { echo \'uv 0.0.0\'; exit 0; }\n' +
      "echo '  x No solution found when resolving dependencies:' >&2\n" +
      "echo '  -> Because datasette-nowhere-zz9 was not found in the package registry, " +
      "we can conclude that your requirements are unsatisfiable.' >&2\nexit 1\n",
    { mode: 0o755 },
  );
  const db = makeDatabase(join(dir, "install-unresolved.db"), { items: 1 });
  const csv = join(dir, "install-unresolved-rows.csv");
  writeFileSync(csv, "id,name\n1,a\n");
  const failingEnv = { ...env, PATH: `${bin}:${env.PATH}`, DATASETTE_LAMBDA_CACHE: join(dir, "cache-unresolved") };
  const result = await runCli(
    [
      "update-stack",
      "mysite",
      db,
      csv,
      "--dry-run",
      "--out",
      join(dir, "out-install-unresolved"),
      ...HOST_BUILD,
      "--install",
      "datasette-nowhere-zz9",
    ],
    { env: failingEnv },
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Error: --install datasette-nowhere-zz9: uv could not install it for Lambda/);
  assert.match(result.stderr, /Checking 1 database/, "the given database is checked first");
  assert.doesNotMatch(result.stderr, /Converting|converted|Packaging/);
  assert.ok(!existsSync(join(dir, "out-install-unresolved")), "nothing written to --out");
});

test("a database that is missing or not SQLite fails before the dependency layer is built", async () => {
  const notSqlite = join(dir, "not-sqlite.db");
  writeFileSync(notSqlite, "id,name\n1,a\n");
  const cases: Array<[string, RegExp]> = [
    [join(dir, "missing.db"), /missing\.db: no such file/],
    [notSqlite, /not-sqlite\.db: not an SQLite database/],
  ];
  for (const [file, message] of cases) {
    const result = await runCli(["update-stack", "mysite", file, "--dry-run", "--out", join(dir, "out-bad-db"), ...HOST_BUILD], { env });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /dependency layer|Packaging/);
  }
});

test("--install of a source directory fails with a hint to build a wheel", async () => {
  const db = makeDatabase(join(dir, "install-source.db"), { items: 1 });
  const result = await runCli(
    ["update-stack", "mysite", db, "--dry-run", "--out", join(dir, "out-install-source"), ...HOST_BUILD, "--install", "./my-plugin"],
    { env },
  );
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--install "\.\/my-plugin" is a source directory or archive/);
  assert.match(result.stderr, /pip wheel --no-deps \.\/my-plugin -w dist/);
  assert.doesNotMatch(result.stderr, /Building|Packaging|Checking/);
});
