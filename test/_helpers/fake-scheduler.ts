// An in-memory EventBridge Scheduler behind aws-sdk-client-mock: schedule
// groups holding schedules, with the answers the EventBridge Scheduler API
// Reference gives (CreateSchedule: ConflictException for a name the group has;
// GetSchedule, UpdateSchedule, DeleteSchedule: ResourceNotFoundException for one
// it has not; ListSchedules: ResourceNotFoundException for a group that is not
// there, else summaries only, paged by NextToken).
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";

function schedulerError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

export class FakeScheduler {
  readonly client = new SchedulerClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  /** group -> name -> the request it was created or last updated with. */
  readonly groups = new Map<string, Map<string, CreateScheduleCommandInput>>();
  pageSize = 2;

  constructor(groups: string[] = []) {
    for (const group of groups) this.groups.set(group, new Map());
    this.mock.on(CreateScheduleCommand).callsFake(async (input: CreateScheduleCommandInput) => {
      const schedules = this.group(input.GroupName);
      if (schedules.has(input.Name!)) throw schedulerError("ConflictException", 409, `Schedule ${input.Name} already exists.`);
      schedules.set(input.Name!, input);
      return { ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${input.GroupName}/${input.Name}` };
    });
    this.mock.on(UpdateScheduleCommand).callsFake(async (input) => {
      this.find(input.GroupName, input.Name);
      this.group(input.GroupName).set(input.Name!, input as CreateScheduleCommandInput);
      return { ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${input.GroupName}/${input.Name}` };
    });
    this.mock.on(GetScheduleCommand).callsFake(async (input) => ({ ...this.find(input.GroupName, input.Name) }));
    this.mock.on(DeleteScheduleCommand).callsFake(async (input) => {
      this.find(input.GroupName, input.Name);
      this.group(input.GroupName).delete(input.Name!);
      return {};
    });
    this.mock.on(ListSchedulesCommand).callsFake(async (input) => {
      const names = [...this.group(input.GroupName).keys()];
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = names.slice(start, start + this.pageSize);
      return {
        Schedules: page.map((Name) => ({ Name, GroupName: input.GroupName, State: "ENABLED" })),
        ...(start + this.pageSize < names.length ? { NextToken: String(start + this.pageSize) } : {}),
      };
    });
  }

  private group(name: string | undefined): Map<string, CreateScheduleCommandInput> {
    const group = this.groups.get(name ?? "default");
    if (!group) throw schedulerError("ResourceNotFoundException", 404, `Schedule group ${name} does not exist.`);
    return group;
  }

  private find(group: string | undefined, name: string | undefined): CreateScheduleCommandInput {
    const schedule = this.group(group).get(name ?? "");
    if (!schedule) throw schedulerError("ResourceNotFoundException", 404, `Schedule ${name} does not exist.`);
    return schedule;
  }
}
