// How update-stack renders a deploy result (the URL, with --prefix, on stdout,
// or the --json shape docs/cli.md documents, `changed` derived from the result's type).
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderDeploy, withPrefix } from "../../src/commands/update-stack.ts";
import type { DeployResult } from "../../src/deploy/deploy-site.ts";
import { recordingOutput } from "../_helpers/recording-output.ts";

const result = (type: DeployResult["type"]): DeployResult => ({
  type,
  stack: "site",
  appStack: "site-lambda",
  url: "https://d111.cloudfront.net/",
  functionUrl: "https://abc.lambda-url.eu-west-1.on.aws/",
  uploaded: { files: 1, bytes: 42 },
});

test("--json: {stack, url, functionUrl, changed, uploaded}, changed true for a deploy", () => {
  const { out, stdout } = recordingOutput({ json: true });
  renderDeploy(out, result("deployed"), "x");
  assert.deepEqual(JSON.parse(stdout()), {
    stack: "site",
    url: "https://d111.cloudfront.net/x/",
    functionUrl: "https://abc.lambda-url.eu-west-1.on.aws/x/",
    changed: true,
    uploaded: { files: 1, bytes: 42 },
  });
  assert.deepEqual(Object.keys(JSON.parse(stdout())), ["stack", "url", "functionUrl", "changed", "uploaded"]);
});

test("a no-op: changed false, and 'No changes' on stderr; the URL alone on stdout", () => {
  const json = recordingOutput({ json: true });
  renderDeploy(json.out, result("no-op"), null);
  assert.equal(JSON.parse(json.stdout()).changed, false);

  const text = recordingOutput();
  renderDeploy(text.out, result("no-op"), null);
  assert.equal(text.stdout(), "https://d111.cloudfront.net/\n");
  assert.deepEqual(text.lines(), ["No changes: the site is up to date.", "Function URL: https://abc.lambda-url.eu-west-1.on.aws/"]);

  const deployed = recordingOutput();
  renderDeploy(deployed.out, result("deployed"), null);
  assert.doesNotMatch(deployed.stderr(), /No changes/);
});

test("withPrefix: the site under /PREFIX/", () => {
  assert.equal(withPrefix("https://a.net/", null), "https://a.net/");
  assert.equal(withPrefix("https://a.net/", "v1/data"), "https://a.net/v1/data/");
  assert.equal(withPrefix("https://a.net", "x"), "https://a.net/x/");
});
