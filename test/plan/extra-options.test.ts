import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import { parseExtraOptions, splitShellWords, withExtraOptions } from "../../src/plan/extra-options.ts";
import { checkOptions } from "../../src/plan/plan.ts";
import { TEST_PYTHON } from "../_helpers/cli.ts";

function rejects(fn: () => unknown, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, message);
    assert.ok(!error.message.includes("\n"), "one line");
    if (hint) assert.match(error.hint ?? "", hint);
    return true;
  });
}

test("words are split as a POSIX shell splits them", () => {
  assert.deepEqual(splitShellWords(""), []);
  assert.deepEqual(splitShellWords("  --cors \t --crossdb\n"), ["--cors", "--crossdb"]);
  assert.deepEqual(splitShellWords("--version-note 'a b'"), ["--version-note", "a b"]);
  assert.deepEqual(splitShellWords('--version-note "a b"'), ["--version-note", "a b"]);
  assert.deepEqual(splitShellWords("--version-note a\\ b"), ["--version-note", "a b"]);
  assert.deepEqual(splitShellWords("x'y'\"z\"w"), ["xyzw"], "quotes join one word");
  assert.deepEqual(splitShellWords("'' \"\""), ["", ""], "empty quotes are empty words");
  assert.deepEqual(splitShellWords('\'a\\b\' "c\\d" "e\\"f" "g\\\\h" "\\$i"'), ["a\\b", "c\\d", 'e"f', "g\\h", "$i"]);
  assert.deepEqual(splitShellWords('\'say "hi"\' "it\'s"'), ['say "hi"', "it's"]);
  assert.deepEqual(splitShellWords("a\\\nb"), ["ab"], "backslash-newline continues the line");
  assert.deepEqual(splitShellWords("$HOME *.db"), ["$HOME", "*.db"], "no expansions");
});

test("an unterminated quote or a trailing backslash fails naming --extra-options", () => {
  rejects(() => splitShellWords("--version-note 'a b"), /^--extra-options has an unterminated single quote/, /Close the quote/);
  rejects(() => splitShellWords('--version-note "a b'), /^--extra-options has an unterminated double quote/);
  rejects(() => splitShellWords('--version-note "a \\"'), /unterminated double quote/);
  rejects(() => splitShellWords("--cors \\"), /^--extra-options ends with a backslash/);
});

test("the datasette serve options datasette-lambda has are translated", () => {
  assert.deepEqual(parseExtraOptions(""), {});
  assert.deepEqual(
    parseExtraOptions(
      "--cors --crossdb --setting sql_time_limit_ms 3500 -s allow_facet off --config default_page_size:7 " +
        "--version-note 'CI run 42' -m meta.yml --template-dir templates --plugins-dir plugins --static assets:./static --static img:./img",
    ),
    {
      cors: true,
      crossdb: true,
      setting: [
        ["sql_time_limit_ms", "3500"],
        ["allow_facet", "off"],
      ],
      config: ["default_page_size:7"],
      versionNote: "CI run 42",
      metadata: "meta.yml",
      templateDir: "templates",
      pluginsDir: "plugins",
      static: ["assets:./static", "img:./img"],
    },
  );
});

test("--opt=value and short options with their value attached", () => {
  assert.deepEqual(
    parseExtraOptions("--metadata=m.json --version-note='a b' --static=s:./s --config=x:1 --template-dir=t --plugins-dir=p --setting=a 1"),
    {
      metadata: "m.json",
      versionNote: "a b",
      static: ["s:./s"],
      config: ["x:1"],
      templateDir: "t",
      pluginsDir: "p",
      setting: [["a", "1"]],
    },
  );
  assert.deepEqual(parseExtraOptions("-mm.json"), { metadata: "m.json" });
  assert.deepEqual(parseExtraOptions("--version-note=''"), { versionNote: "" });
  rejects(() => parseExtraOptions("--cors=yes"), /^--extra-options: --cors takes no value/);
});

test("a missing value, or one option given twice differently, fails", () => {
  rejects(
    () => parseExtraOptions("--setting sql_time_limit_ms"),
    /^--extra-options: --setting takes 2 values/,
    /--setting sql_time_limit_ms 3500/,
  );
  rejects(() => parseExtraOptions("-m"), /^--extra-options: -m takes a value/, /--metadata metadata\.json/);
  rejects(() => parseExtraOptions("--version-note a --version-note b"), /^--extra-options gives --version-note twice: "a" and "b"/);
  assert.deepEqual(parseExtraOptions("-m a.json --metadata a.json"), { metadata: "a.json" });
});

test("--config without a colon is Datasette 1.0's config file: refused with a hint", () => {
  rejects(
    () => parseExtraOptions("--config datasette.yaml"),
    /^--extra-options: --config datasette\.yaml is Datasette 1\.0's --config FILE/,
    /--setting NAME VALUE/,
  );
  rejects(() => parseExtraOptions("-c datasette.yaml"), /^--extra-options: -c is Datasette 1\.0's --config FILE/, /--setting NAME VALUE/);
});

test("every other datasette serve option is refused by name, with what to do instead", () => {
  const cases: Array<[string, RegExp, RegExp]> = [
    ["--host 0.0.0.0", /--host is not used: Lambda chooses the listener/, /Function URL/],
    ["-h 0.0.0.0", /-h is not used: Lambda chooses the listener/, /Function URL/],
    ["--port 9000", /--port is not used: Lambda chooses the listener/, /Function URL/],
    ["-p 9000", /-p is not used/, /Drop it/],
    ["-p9000", /-p is not used/, /Drop it/],
    ["--port=9000", /--port is not used/, /Drop it/],
    ["--uds /tmp/s", /--uds is not used: Lambda chooses the listener/, /Drop it/],
    ["--ssl-keyfile k.pem", /--ssl-keyfile is not used: HTTPS/, /--domain/],
    ["--ssl-certfile c.pem", /--ssl-certfile is not used: HTTPS/, /--domain/],
    ["--reload", /--reload has nothing to watch/, /update-stack again/],
    ["--pdb", /--pdb needs a console/, /tail-logs/],
    ["-o", /-o would open a browser/, /prints the site's URL/],
    ["--open", /--open would open a browser/, /Drop it/],
    ["--get /", /--get runs one request and exits/, /curl/],
    ["--token dstok_x", /--token is for --get/, /curl/],
    ["--actor '{}'", /--actor is for --get/, /Drop it/],
    ["--headers", /--headers is for --get/, /Drop it/],
    ["--root", /--root prints a sign-in URL to a console nobody sees/, /datasette-auth-passwords/],
    ["--load-extension spatialite", /--load-extension is not supported on Lambda yet/, /Drop it/],
    ["--inspect-file i.json", /--inspect-file is not taken: datasette-lambda writes its own/, /Drop it/],
    ["-i a.db", /-i is not needed: every database is served immutable already/, /FILES/],
    ["--immutable a.db", /--immutable is not needed: every database is served immutable already/, /FILES/],
    ["--nolock", /--nolock is not needed: every database is served immutable already/, /Drop it/],
    ["--memory", /--memory is Datasette's \/_memory database, not this CLI's --memory/, /--crossdb/],
    ["--secret s3cr3t-value", /--secret is not taken: secrets must not be on a command line/, /DATASETTE_PUBLISH_SECRET/],
    ["--create", /--create would create empty databases/, /FILES/],
    ["--internal internal.db", /--internal is Datasette 1\.0's internal database/, /Drop it/],
    ["--default-deny", /--default-deny is not an option of the site's Datasette/, /--metadata/],
    ["--help-settings", /--help-settings prints the settings/, /--setting NAME VALUE/],
    ["--help", /--help prints help/, /Drop it/],
  ];
  for (const [text, message, hint] of cases) {
    rejects(() => parseExtraOptions(`--cors ${text}`), new RegExp(`^--extra-options: ${message.source}`), hint);
  }
});

test("every option of the venv's datasette serve is translated or refused by name, none is unknown", () => {
  const script =
    "import json; from datasette.cli import serve; " +
    "print(json.dumps([o for p in serve.params for o in p.opts + p.secondary_opts if o.startswith('-')]))";
  const names = JSON.parse(execFileSync(TEST_PYTHON, ["-c", script]).toString()) as string[];
  assert.ok(names.includes("--port") && names.includes("--crossdb"), names.join(" "));
  for (const name of names) {
    try {
      parseExtraOptions(`${name} x:y z`);
    } catch (error) {
      assert.ok(error instanceof UserError);
      assert.doesNotMatch(error.message, /is not a datasette serve option/, name);
      // Refused by name, or taken and the words it leaves refused as databases.
      assert.match(error.message, new RegExp(`^--extra-options: (${name} |"(x:y|z)" is not an option)`), name);
    }
  }
});

test("a secret's value is never in the refusal", () => {
  for (const text of ["--secret=s3cr3t-value", "--secret s3cr3t-value", "--no-such=s3cr3t-value"]) {
    assert.throws(
      () => parseExtraOptions(text),
      (error: unknown) => error instanceof UserError && !`${error.message} ${error.hint}`.includes("s3cr3t"),
    );
  }
});

test("an unknown option, or a positional argument, is refused naming it", () => {
  rejects(
    () => parseExtraOptions("--cors --frobnicate"),
    /^--extra-options: --frobnicate is not a datasette serve option/,
    /--setting NAME VALUE/,
  );
  rejects(() => parseExtraOptions("-x"), /^--extra-options: -x is not a datasette serve option/);
  rejects(() => parseExtraOptions("data.db"), /^--extra-options: "data\.db" is not an option; databases are not taken there/, /FILES/);
  rejects(() => parseExtraOptions("--cors -- data.db"), /"data\.db" is not an option/);
  rejects(() => parseExtraOptions("--setting a 1 2"), /"2" is not an option/);
  assert.deepEqual(parseExtraOptions("--cors --"), { cors: true });
});

test("merged with the flags: switches in both are fine, --setting, --config and --static add up", () => {
  assert.deepEqual(withExtraOptions({ cors: true }), { cors: true }, "nothing to merge");
  assert.deepEqual(
    withExtraOptions({
      cors: true,
      setting: [["sql_time_limit_ms", "3500"]],
      config: ["allow_facet:off"],
      static: ["a:./a"],
      region: "eu-west-1",
      extraOptions:
        "--cors --crossdb --setting default_page_size 7 --config max_returned_rows:50 --static b:./b --static a:./a --version-note v1",
    }),
    {
      cors: true,
      crossdb: true,
      setting: [
        ["sql_time_limit_ms", "3500"],
        ["default_page_size", "7"],
      ],
      config: ["allow_facet:off", "max_returned_rows:50"],
      static: ["a:./a", "b:./b"],
      region: "eu-west-1",
      versionNote: "v1",
    },
  );
});

test("merged with the flags: a single-valued option given both ways must agree", () => {
  rejects(
    () => withExtraOptions({ metadata: "a.json", extraOptions: "-m b.json" }),
    /^--metadata "a\.json" and --extra-options "--metadata b\.json" disagree/,
    /once/,
  );
  rejects(
    () => withExtraOptions({ versionNote: "v1", extraOptions: "--version-note v2" }),
    /^--version-note "v1" and --extra-options "--version-note v2" disagree/,
  );
  rejects(
    () => withExtraOptions({ templateDir: "t1", extraOptions: "--template-dir t2" }),
    /--template-dir "t1" and --extra-options "--template-dir t2"/,
  );
  rejects(
    () => withExtraOptions({ pluginsDir: "p1", extraOptions: "--plugins-dir=p2" }),
    /--plugins-dir "p1" and --extra-options "--plugins-dir p2"/,
  );
  assert.equal(withExtraOptions({ metadata: "a.json", extraOptions: `-m ${resolve("a.json")}` }).metadata, "a.json", "the same file");
  assert.equal(withExtraOptions({ versionNote: "v1", extraOptions: "--version-note v1" }).versionNote, "v1");
});

test("merged with the flags: one setting given different values both ways fails naming both", () => {
  rejects(
    () => withExtraOptions({ setting: [["sql_time_limit_ms", "1000"]], extraOptions: "--config sql_time_limit_ms:3500" }),
    /^the setting sql_time_limit_ms is 1000 by --setting\/--config but 3500 by --extra-options/,
  );
  assert.deepEqual(
    withExtraOptions({ config: ["allow_facet:off"], extraOptions: "--setting allow_facet false" }).setting,
    [["allow_facet", "false"]],
    "the same value, spelt otherwise",
  );
});

test("checkOptions applies --extra-options first", () => {
  const checked = checkOptions("mysite", {
    extraOptions: "--cors --crossdb --setting sql_time_limit_ms 3500 --version-note 'a b' -m meta.yml --static s:./s",
  });
  assert.equal(checked.cors, true);
  assert.equal(checked.crossdb, true);
  assert.deepEqual(checked.settings, { sql_time_limit_ms: 3500 });
  assert.equal(checked.versionNote, "a b");
  assert.equal(checked.metadataFile, "meta.yml");
  assert.deepEqual(checked.assets.staticMounts, [{ mount: "s", dir: resolve("s") }]);
  assert.equal(checkOptions("mysite", {}).metadataFile, null);
  rejects(() => checkOptions("mysite", { extraOptions: "--port 9000" }), /^--extra-options: --port is not used/);
});
