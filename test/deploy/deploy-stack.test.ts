import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateStackCommand, DeleteStackCommand, GetTemplateCommand, UpdateStackCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { deployStack, isUpToDate, stackParametersFor, type StackContext, type StackSpec } from "../../src/deploy/deploy-stack.ts";
import { DeployError } from "../../src/errors.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";

const spec: StackSpec = {
  stackName: "site-lambda",
  templateBody: "T",
  parameters: { PackageKey: "package/a.zip", MemorySize: "1024" },
  secrets: { DatasetteSecret: () => "fresh" },
};

const deployed = (parameters: Record<string, string>): Stack => ({
  StackName: "site-lambda",
  StackStatus: "UPDATE_COMPLETE",
  CreationTime: new Date(0),
  Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
});

function context(lines: string[] = []): StackContext {
  return { info: (m) => void lines.push(m), wait: { sleep: async () => {} }, siteName: "site" };
}

test("isUpToDate: same template and every parameter equal as strings; the **** secret is not compared", () => {
  const current = deployed({ PackageKey: "package/a.zip", MemorySize: "1024", DatasetteSecret: "****", EnableCdn: "true" });
  assert.equal(isUpToDate(spec, current, "T"), true);
  assert.equal(isUpToDate(spec, current, "T\n"), false);
  assert.equal(isUpToDate(spec, current, undefined), false);
  assert.equal(isUpToDate({ ...spec, parameters: { ...spec.parameters, MemorySize: "2048" } }, current, "T"), false);
  // A stack that lacks the secret parameter must be updated to get one.
  assert.equal(isUpToDate(spec, deployed({ PackageKey: "package/a.zip", MemorySize: "1024" }), "T"), false);
});

test("stackParametersFor: secret generated on create, kept with UsePreviousValue on update", () => {
  assert.deepEqual(stackParametersFor(spec, undefined), [
    { ParameterKey: "PackageKey", ParameterValue: "package/a.zip" },
    { ParameterKey: "MemorySize", ParameterValue: "1024" },
    { ParameterKey: "DatasetteSecret", ParameterValue: "fresh" },
  ]);
  assert.deepEqual(stackParametersFor(spec, deployed({ DatasetteSecret: "****" })).at(-1), {
    ParameterKey: "DatasetteSecret",
    UsePreviousValue: true,
  });
  assert.deepEqual(stackParametersFor(spec, deployed({})).at(-1), { ParameterKey: "DatasetteSecret", ParameterValue: "fresh" });
});

test("REVIEW_IN_PROGRESS (an unexecuted change set) is deleted and created", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site-lambda", status: "REVIEW_IN_PROGRESS" });
  const lines: string[] = [];
  const result = await deployStack(cfn.client, spec, context(lines));
  assert.equal(result.type, "created");
  assert.equal(result.previous, undefined);
  assert.equal(cfn.inputs(DeleteStackCommand).length, 1);
  assert.equal(cfn.inputs(CreateStackCommand).length, 1);
  assert.match(lines.join("\n"), /REVIEW_IN_PROGRESS \(it holds only an unexecuted change set\): deleting it/);
});

test("DELETE_FAILED stops and points at delete-stack for the site", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "site-lambda", status: "DELETE_FAILED" });
  await assert.rejects(deployStack(cfn.client, spec, context()), (error: unknown) => {
    assert.ok(error instanceof DeployError);
    assert.equal(error.message, "Stack site-lambda is DELETE_FAILED: a delete did not finish.");
    assert.match(error.hint ?? "", /datasette-lambda delete-stack site/);
    return true;
  });
  assert.equal(cfn.inputs(DeleteStackCommand).length + cfn.inputs(UpdateStackCommand).length, 0);
});

test("a create found in progress that then fails is waited for, then recreated", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site-lambda",
    status: "CREATE_IN_PROGRESS",
    frames: [{ status: "CREATE_IN_PROGRESS" }, { status: "ROLLBACK_IN_PROGRESS" }, { status: "ROLLBACK_COMPLETE" }],
  });
  const lines: string[] = [];
  const result = await deployStack(cfn.client, spec, context(lines));
  assert.equal(result.type, "created");
  assert.match(lines.join("\n"), /is CREATE_IN_PROGRESS; waiting[\s\S]*is ROLLBACK_COMPLETE[\s\S]*deleting it/);
});

test("an update result carries the stack before the update as 'previous'", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({
    name: "site-lambda",
    status: "CREATE_COMPLETE",
    template: "T",
    parameters: { PackageKey: "package/old.zip", MemorySize: "1024", DatasetteSecret: "s" },
  });
  const result = await deployStack(cfn.client, spec, context());
  assert.equal(result.type, "updated");
  assert.equal(result.previous?.Parameters?.find((p) => p.ParameterKey === "PackageKey")?.ParameterValue, "package/old.zip");
  assert.equal(result.stack.StackStatus, "UPDATE_COMPLETE");
});

test("another deploy starts updating after we looked: its update is waited for, then ours runs on top", async () => {
  const cfn = new FakeCloudFormation();
  const other = cfn.addStack({
    name: "site-lambda",
    status: "UPDATE_COMPLETE",
    template: "T",
    parameters: { PackageKey: "package/old.zip", MemorySize: "1024", DatasetteSecret: "s" },
  });
  // Between our DescribeStacks and our UpdateStack, the other run's update begins.
  let raced = false;
  cfn.mock.on(GetTemplateCommand).callsFake(async () => {
    if (!raced) {
      raced = true;
      other.status = "UPDATE_IN_PROGRESS";
      other.parameters = { ...other.parameters, PackageKey: "package/theirs.zip" };
      other.frames = [{ status: "UPDATE_IN_PROGRESS" }, { status: "UPDATE_COMPLETE" }];
    }
    return { TemplateBody: other.template };
  });
  const lines: string[] = [];
  const result = await deployStack(cfn.client, spec, context(lines));
  assert.equal(result.type, "updated");
  assert.match(lines.join("\n"), /changed after we looked \(another deploy of site\?\)[\s\S]*is UPDATE_IN_PROGRESS; waiting/);
  assert.equal(cfn.stack("site-lambda")?.parameters.PackageKey, "package/a.zip", "ours is applied last");
  assert.equal(result.previous?.Parameters?.find((p) => p.ParameterKey === "PackageKey")?.ParameterValue, "package/theirs.zip");
  assert.equal(cfn.inputs(UpdateStackCommand).length, 2, "refused once, then applied");
});

test("another deploy creates the stack after we looked: ours waits for it and updates it", async () => {
  const cfn = new FakeCloudFormation();
  cfn.mock.on(CreateStackCommand).callsFakeOnce(async () => {
    cfn.addStack({
      name: "site-lambda",
      status: "CREATE_IN_PROGRESS",
      template: "T",
      parameters: { PackageKey: "package/theirs.zip", MemorySize: "1024", DatasetteSecret: "theirs" },
      frames: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
    });
    throw Object.assign(new Error("Stack [site-lambda] already exists"), {
      name: "AlreadyExistsException",
      $metadata: { httpStatusCode: 400 },
    });
  });
  const result = await deployStack(cfn.client, spec, context());
  assert.equal(result.type, "updated");
  assert.equal(cfn.stack("site-lambda")?.parameters.PackageKey, "package/a.zip");
  // The secret the other run generated is kept, not replaced.
  const [update] = cfn.inputs(UpdateStackCommand);
  assert.deepEqual(
    update?.Parameters?.find((p) => p.ParameterKey === "DatasetteSecret"),
    { ParameterKey: "DatasetteSecret", UsePreviousValue: true },
  );
});

test("a given secret (--secret) is always sent as its value, and the stack is never taken as up to date without asking", () => {
  const given: StackSpec = { ...spec, givenSecrets: { DatasetteSecret: "chosen" } };
  const current = deployed({ PackageKey: "package/a.zip", MemorySize: "1024", DatasetteSecret: "****" });
  assert.equal(isUpToDate(given, current, "T"), false);
  for (const stack of [undefined, current]) {
    const parameters = stackParametersFor(given, stack);
    assert.deepEqual(
      parameters.filter((p) => p.ParameterKey === "DatasetteSecret"),
      [{ ParameterKey: "DatasetteSecret", ParameterValue: "chosen" }],
    );
  }
});
