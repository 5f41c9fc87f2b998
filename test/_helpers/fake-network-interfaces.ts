// EC2's DescribeNetworkInterfaces behind aws-sdk-client-mock, for --in-place's
// wait: the network interfaces in each security group, and how many looks each
// one survives (Lambda deletes the function's interfaces some time after the
// function left the VPC; a test says after how many looks).
import { DescribeNetworkInterfacesCommand, type DescribeNetworkInterfacesCommandInput, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";

export class FakeNetworkInterfaces {
  readonly client = new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  /** Security group -> interface id -> looks left before it is gone. */
  readonly groups = new Map<string, Map<string, number>>();
  /** The security group of each DescribeNetworkInterfaces call, in order. */
  readonly looks: string[] = [];

  constructor() {
    this.mock.on(DescribeNetworkInterfacesCommand).callsFake(async (input: DescribeNetworkInterfacesCommandInput) => {
      const group = input.Filters?.find((filter) => filter.Name === "group-id")?.Values?.[0] ?? "";
      this.looks.push(group);
      const interfaces = this.groups.get(group) ?? new Map<string, number>();
      const left = [...interfaces.entries()].filter(([, looks]) => looks > 0).map(([id]) => id);
      for (const id of left) interfaces.set(id, interfaces.get(id)! - 1);
      return { NetworkInterfaces: left.map((id) => ({ NetworkInterfaceId: id, Groups: [{ GroupId: group }], InterfaceType: "lambda" })) };
    });
  }

  /** An interface in the group that is seen by the next `looks` calls, then gone. */
  add(group: string, id: string, looks: number): void {
    if (!this.groups.has(group)) this.groups.set(group, new Map());
    this.groups.get(group)!.set(id, looks);
  }
}
