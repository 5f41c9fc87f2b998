// --in-place: waiting for Lambda to delete the function's network interfaces in the
// NAME-files VPC before that stack can go (src/aws/network-interfaces.ts). Lambda
// deletes them by itself, some time after the function leaves the VPC
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html); the fake
// says after how many looks each one is gone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError, InterruptedError } from "../../src/errors.ts";
import { networkInterfacesOf, waitForNetworkInterfacesGone } from "../../src/aws/network-interfaces.ts";
import { FakeNetworkInterfaces } from "../_helpers/fake-network-interfaces.ts";
import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";

const GROUP = "sg-0123456789abcdef0";

function clock(stepMs: number) {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += stepMs;
    },
  };
}

test("only the security group's interfaces count: the function's, not the mount targets' of another group", async () => {
  const ec2 = new FakeNetworkInterfaces();
  ec2.add(GROUP, "eni-function-a", 5);
  ec2.add("sg-mount-targets", "eni-mount-target", 5);
  assert.deepEqual(await networkInterfacesOf(ec2.client, GROUP), ["eni-function-a"]);
  assert.deepEqual(ec2.mock.commandCalls(DescribeNetworkInterfacesCommand)[0]!.args[0].input.Filters, [
    { Name: "group-id", Values: [GROUP] },
  ]);
});

test("none left: returns after one look, without sleeping", async () => {
  const ec2 = new FakeNetworkInterfaces();
  const c = clock(15_000);
  const progress: number[] = [];
  await waitForNetworkInterfacesGone(ec2.client, GROUP, {
    command: "update-stack",
    stack: "s-files",
    ...c,
    onProgress: (left) => progress.push(left),
  });
  assert.deepEqual(c.sleeps, []);
  assert.deepEqual(progress, [0]);
});

test("interfaces that linger are polled at the interval until Lambda has deleted them, with progress", async () => {
  const ec2 = new FakeNetworkInterfaces();
  ec2.add(GROUP, "eni-a", 3);
  ec2.add(GROUP, "eni-b", 1);
  const c = clock(15_000);
  const progress: [number, number][] = [];
  await waitForNetworkInterfacesGone(ec2.client, GROUP, {
    command: "update-stack",
    stack: "s-files",
    pollMs: 15_000,
    ...c,
    onProgress: (left, waited) => progress.push([left, waited]),
  });
  assert.deepEqual(progress, [
    [2, 0],
    [1, 15_000],
    [1, 30_000],
    [0, 45_000],
  ]);
  assert.deepEqual(c.sleeps, [15_000, 15_000, 15_000]);
});

test("still there after the timeout: an AwsError naming them, the stack, and that running again later finishes", async () => {
  const ec2 = new FakeNetworkInterfaces();
  ec2.add(GROUP, "eni-stuck", 1_000);
  const c = clock(60_000);
  await assert.rejects(
    waitForNetworkInterfacesGone(ec2.client, GROUP, { command: "delete-stack s", stack: "s-files", timeoutMs: 45 * 60_000, ...c }),
    (error: unknown) =>
      error instanceof AwsError &&
      /\(eni-stuck\) after 45 minutes, so stack s-files cannot be deleted yet/.test(error.message) &&
      /run delete-stack s again later/.test(error.hint ?? ""),
  );
  assert.equal(c.sleeps.length, 45);
});

test("Ctrl-C stops waiting at once: InterruptedError saying the stack is not deleted and to run again", async () => {
  const ec2 = new FakeNetworkInterfaces();
  ec2.add(GROUP, "eni-a", 1_000);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    waitForNetworkInterfacesGone(ec2.client, GROUP, {
      command: "update-stack",
      stack: "s-files",
      signal: controller.signal,
      sleep: async () => {},
    }),
    (error: unknown) => error instanceof InterruptedError && /stack s-files is not deleted yet. Run update-stack again/.test(error.message),
  );
});

test("a security group already gone has no interfaces", async () => {
  const ec2 = new FakeNetworkInterfaces();
  ec2.mock
    .on(DescribeNetworkInterfacesCommand)
    .rejects(Object.assign(new Error("The security group 'sg-x' does not exist"), { name: "InvalidGroup.NotFound" }));
  assert.deepEqual(await networkInterfacesOf(ec2.client, "sg-x"), []);
});
