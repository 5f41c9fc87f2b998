// The NAME-files stack's identity and removal (src/aws/files-stack.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeleteStackCommand, DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { findFilesStack, interfacesLeftText, isFilesStack, removeFilesStack } from "../../src/aws/files-stack.ts";
import { readTemplate } from "../../src/templates.ts";
import { FakeCloudFormation } from "../_helpers/fake-cloudformation.ts";
import { FakeNetworkInterfaces } from "../_helpers/fake-network-interfaces.ts";

test("ours is told by templates/files.yaml's Description; another stack of that name is foreign", async () => {
  const files = await readTemplate("files");
  const cfn = new FakeCloudFormation();
  assert.deepEqual(await findFilesStack(cfn.client, "a"), { kind: "absent" });
  cfn.addStack({ name: "a-files", status: "CREATE_COMPLETE", template: files });
  cfn.addStack({ name: "b-files", status: "CREATE_COMPLETE", template: await readTemplate("prereq") });
  assert.equal((await findFilesStack(cfn.client, "a")).kind, "ours");
  assert.equal((await findFilesStack(cfn.client, "b")).kind, "foreign");
  assert.equal(isFilesStack({ Description: undefined }), false);
});

test("a stack that failed before its outputs: the function's group is found among its resources, and waited on", async () => {
  const cfn = new FakeCloudFormation();
  cfn.addStack({ name: "a-files", status: "ROLLBACK_COMPLETE", template: await readTemplate("files") });
  cfn.mock.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        LogicalResourceId: "FunctionSecurityGroup",
        PhysicalResourceId: "sg-0late",
        ResourceType: "AWS::EC2::SecurityGroup",
        ResourceStatus: "CREATE_COMPLETE",
        Timestamp: new Date(0),
      },
    ],
  });
  const ec2 = new FakeNetworkInterfaces();
  ec2.add("sg-0late", "eni-0", 1);
  const progress: string[] = [];
  const stack = (await findFilesStack(cfn.client, "a")) as { kind: "ours"; stack: Parameters<typeof removeFilesStack>[1] };
  const result = await removeFilesStack({ cloudformation: cfn.client, ec2: ec2.client }, stack.stack, {
    wait: { sleep: async () => {}, pollMs: 0 },
    interfaces: { command: "delete-stack a", sleep: async () => {}, pollMs: 0 },
    run: async (title, work) => {
      progress.push(title);
      return work((text) => progress.push(text));
    },
  });
  assert.equal(result, "deleted");
  assert.deepEqual(ec2.looks, ["sg-0late", "sg-0late"]);
  assert.deepEqual(progress, [
    "Waiting for Lambda to delete the function's network interfaces in a-files",
    "1 network interface left (0 min)",
    "none left",
  ]);
  assert.equal(cfn.inputs(DeleteStackCommand).length, 1);
});

test("progress reads as a person would say it", () => {
  assert.equal(interfacesLeftText(1, 59_000), "1 network interface left (0 min)");
  assert.equal(interfacesLeftText(3, 12 * 60_000 + 1), "3 network interfaces left (12 min)");
});
