import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.ts";
import {
  checkEnvironmentSize,
  parsePluginSecrets,
  pluginSecretsFromEnv,
  pluginSecretsParameter,
  pluginSecretVariable,
} from "../../src/plan/plugin-secrets.ts";

test("variables are named as datasette publish names them", () => {
  assert.equal(pluginSecretVariable("datasette-auth-github", "client_secret"), "DATASETTE_AUTH_GITHUB_CLIENT_SECRET");
});

test("metadata gets $env references, values stay apart", () => {
  const parsed = parsePluginSecrets([
    ["datasette-auth-github", "client_id", "id1"],
    ["datasette-auth-github", "client_secret", "s3"],
    ["other", "key", "v"],
  ]);
  assert.deepEqual(parsed.metadata, {
    plugins: {
      "datasette-auth-github": {
        client_id: { $env: "DATASETTE_AUTH_GITHUB_CLIENT_ID" },
        client_secret: { $env: "DATASETTE_AUTH_GITHUB_CLIENT_SECRET" },
      },
      other: { key: { $env: "OTHER_KEY" } },
    },
  });
  assert.ok(!JSON.stringify(parsed.metadata).includes('s3"'));
  assert.deepEqual(parsed.values, { DATASETTE_AUTH_GITHUB_CLIENT_ID: "id1", DATASETTE_AUTH_GITHUB_CLIENT_SECRET: "s3", OTHER_KEY: "v" });
  assert.deepEqual(parsePluginSecrets([]), { metadata: {}, values: {} });
});

test("the parameter is sorted JSON, absent without plugin secrets", () => {
  assert.equal(pluginSecretsParameter({ B: "2", A: "1" }), '{"A":"1","B":"2"}');
  assert.equal(pluginSecretsParameter({}), undefined);
});

test("bad names, clashes and empty values fail naming --plugin-secret, never the value", () => {
  const cases: Array<[string[][], RegExp]> = [
    [[["my plugin", "key", "hidden"]], /--plugin-secret my plugin key: .*"MY PLUGIN_KEY", which is not one/],
    [[["aws", "secret_access_key", "hidden"]], /AWS_SECRET_ACCESS_KEY is reserved/],
    [[["datasette", "secret", "hidden"]], /DATASETTE_SECRET is reserved/],
    [
      [
        ["a-b", "c", "hidden"],
        ["a", "b-c", "hidden"],
      ],
      /--plugin-secret a b-c and --plugin-secret a-b c both need the environment variable A_B_C/,
    ],
    [[["p", "k", ""]], /--plugin-secret p k: the value is empty/],
  ];
  for (const [triples, message] of cases) {
    assert.throws(
      () => parsePluginSecrets(triples),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, message);
        assert.ok(!`${error.message} ${error.hint}`.includes("hidden"));
        return true;
      },
    );
  }
});

test("over Lambda's 4 KB of environment: a clear error; within it: fine", () => {
  checkEnvironmentSize(undefined);
  checkEnvironmentSize(pluginSecretsParameter({ A_KEY: "x".repeat(3000) }));
  assert.throws(
    () => checkEnvironmentSize(pluginSecretsParameter({ A_KEY: "x".repeat(3900) })),
    (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(
        error.message,
        /the --plugin-secret values take \d+ bytes of the function's environment; .* over Lambda's 4096-byte limit/,
      );
      return true;
    },
  );
  // A long --secret leaves less room.
  assert.throws(() => checkEnvironmentSize(pluginSecretsParameter({ A_KEY: "x".repeat(3000) }), 1500), /4096-byte limit/);
});

test("DATASETTE_PUBLISH_PLUGIN_SECRETS: a JSON list of [plugin, key, value]; bad shapes fail without the value", () => {
  assert.deepEqual(pluginSecretsFromEnv({}), []);
  assert.deepEqual(pluginSecretsFromEnv({ DATASETTE_PUBLISH_PLUGIN_SECRETS: '[["p", "k", "v1"]]' }), [["p", "k", "v1"]]);
  for (const raw of ['{"p": "hidden"}', '[["p", "k"]]', '[["p", "k", 7]]', "hidden["]) {
    assert.throws(
      () => pluginSecretsFromEnv({ DATASETTE_PUBLISH_PLUGIN_SECRETS: raw }),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /^DATASETTE_PUBLISH_PLUGIN_SECRETS: /);
        assert.ok(!error.message.includes("hidden"));
        return true;
      },
    );
  }
});
