// A small CloudFormation behind aws-sdk-client-mock: stacks with a status,
// parameters (NoEcho ones shown as ****), outputs, a template and events
// (newest first, paged). CreateStack/UpdateStack/DeleteStack queue "frames";
// each DescribeStacks call plays the next one, so a test scripts what the
// stack goes through and nothing waits on real time.
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  UpdateStackCommand,
  type CreateStackCommandInput,
  type Parameter,
  type StackEvent,
  type UpdateStackCommandInput,
} from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";

export interface FakeEvent {
  id: string;
  type: string;
  status: string;
  reason?: string;
}

export interface Frame {
  status: string;
  /** Resource events, oldest first; a stack-level event follows them when `status` is new. */
  events?: FakeEvent[];
  reason?: string;
}

export interface FakeStack {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  template: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  /** Newest first, as AWS returns them. */
  events: StackEvent[];
  frames: Frame[];
}

export interface AddStack {
  name: string;
  status: string;
  template?: string;
  parameters?: Record<string, string>;
  outputs?: Record<string, string>;
  statusReason?: string;
  /** Old events, oldest first. */
  events?: FakeEvent[];
  frames?: Frame[];
}

export function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: "ValidationError", $fault: "client", $metadata: { httpStatusCode: 400 } });
}

export const resource = (id: string, type: string, status: string, reason?: string): FakeEvent => ({
  id,
  type,
  status,
  ...(reason ? { reason } : {}),
});

export class FakeCloudFormation {
  readonly client = new CloudFormationClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  /** Every stack ever made, deleted ones included (reachable by id only). */
  readonly all: FakeStack[] = [];
  /** DescribeStackEvents page size, small so paging is exercised. */
  pageSize = 3;
  /** Parameters shown as **** (NoEcho). */
  noEcho = new Set(["DatasetteSecret"]);
  /** Outputs a stack gets when an operation completes. */
  outputsFor: (stack: FakeStack) => Record<string, string> = () => ({});
  onCreate: (input: CreateStackCommandInput, stack: FakeStack) => Frame[] = () => [
    { status: "CREATE_IN_PROGRESS", events: [resource("Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS")] },
    { status: "CREATE_COMPLETE", events: [resource("Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE")] },
  ];
  onUpdate: (input: UpdateStackCommandInput, stack: FakeStack) => Frame[] | "no-updates" = () => [
    { status: "UPDATE_IN_PROGRESS", events: [resource("Function", "AWS::Lambda::Function", "UPDATE_IN_PROGRESS")] },
    { status: "UPDATE_COMPLETE", events: [resource("Function", "AWS::Lambda::Function", "UPDATE_COMPLETE")] },
  ];
  onDelete: (stack: FakeStack) => Frame[] = () => [{ status: "DELETE_COMPLETE" }];
  /** The secret values stacks were created/updated with, by stack name (what NoEcho hides). */
  readonly secrets = new Map<string, string>();
  private clock = Date.parse("2025-06-01T12:00:00Z");
  private eventCounter = 0;
  private stackCounter = 0;

  constructor() {
    this.mock.on(DescribeStacksCommand).callsFake(async (input) => this.describeStacks(input.StackName));
    this.mock.on(DescribeStackEventsCommand).callsFake(async (input) => this.describeEvents(input.StackName, input.NextToken));
    this.mock.on(GetTemplateCommand).callsFake(async (input) => ({ TemplateBody: this.find(input.StackName).template }));
    this.mock.on(CreateStackCommand).callsFake(async (input) => this.create(input));
    this.mock.on(UpdateStackCommand).callsFake(async (input) => this.update(input));
    this.mock.on(DeleteStackCommand).callsFake(async (input) => this.delete(input.StackName));
    // One page: every stack ever made, deleted ones included, as ListStacks does (for 90 days).
    this.mock.on(ListStacksCommand).callsFake(async () => ({
      StackSummaries: this.all.map((stack) => ({
        StackName: stack.name,
        StackId: stack.id,
        StackStatus: stack.status as never,
        CreationTime: new Date(0),
      })),
    }));
  }

  addStack(spec: AddStack): FakeStack {
    const stack = this.newStack(spec.name, spec.status, spec.template ?? "", spec.parameters ?? {});
    stack.outputs = spec.outputs ?? {};
    if (spec.statusReason) stack.statusReason = spec.statusReason;
    for (const event of spec.events ?? []) this.pushEvent(stack, event);
    stack.frames = spec.frames ?? [];
    return stack;
  }

  /** The live (not deleted) stack of that name. */
  stack(name: string): FakeStack | undefined {
    return this.all.find((stack) => stack.name === name && stack.status !== "DELETE_COMPLETE");
  }

  /** Inputs of every call of that command, in order. */
  inputs<T>(command: abstract new (...args: never[]) => { input: T }): T[] {
    return this.mock.commandCalls(command as never).map((call) => call.args[0].input as T);
  }

  private newStack(name: string, status: string, template: string, parameters: Record<string, string>): FakeStack {
    const stack: FakeStack = {
      name,
      id: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/${++this.stackCounter}`,
      status,
      template,
      parameters,
      outputs: {},
      events: [],
      frames: [],
    };
    this.all.push(stack);
    return stack;
  }

  private find(nameOrId: string | undefined): FakeStack {
    const stack = this.all.find((s) => s.id === nameOrId) ?? (nameOrId ? this.stack(nameOrId) : undefined);
    if (!stack) throw validationError(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  private pushEvent(stack: FakeStack, event: FakeEvent): void {
    this.clock += 1000;
    stack.events.unshift({
      StackId: stack.id,
      StackName: stack.name,
      EventId: `event-${++this.eventCounter}`,
      LogicalResourceId: event.id,
      ResourceType: event.type,
      ResourceStatus: event.status as StackEvent["ResourceStatus"],
      Timestamp: new Date(this.clock),
      ...(event.reason ? { ResourceStatusReason: event.reason } : {}),
    });
  }

  private setStatus(stack: FakeStack, status: string, reason?: string): void {
    const changed = stack.status !== status;
    stack.status = status;
    if (reason) stack.statusReason = reason;
    // A stack-level event per status change, as AWS writes them.
    if (changed) this.pushEvent(stack, { id: stack.name, type: "AWS::CloudFormation::Stack", status, ...(reason ? { reason } : {}) });
    if (status === "CREATE_COMPLETE" || status === "UPDATE_COMPLETE") stack.outputs = this.outputsFor(stack);
  }

  private describeStacks(nameOrId: string | undefined) {
    const stack = this.find(nameOrId);
    const frame = stack.frames.shift();
    if (frame) {
      for (const event of frame.events ?? []) this.pushEvent(stack, event);
      this.setStatus(stack, frame.status, frame.reason);
    }
    return {
      Stacks: [
        {
          StackName: stack.name,
          StackId: stack.id,
          StackStatus: stack.status as never,
          CreationTime: new Date(0),
          ...(stack.statusReason ? { StackStatusReason: stack.statusReason } : {}),
          Parameters: Object.entries(stack.parameters).map(([key, value]) => ({
            ParameterKey: key,
            ParameterValue: this.noEcho.has(key) ? "****" : value,
          })),
          Outputs: Object.entries(stack.outputs).map(([key, value]) => ({ OutputKey: key, OutputValue: value })),
        },
      ],
    };
  }

  private describeEvents(nameOrId: string | undefined, nextToken: string | undefined) {
    const stack = this.find(nameOrId);
    const offset = nextToken ? Number(nextToken) : 0;
    const page = stack.events.slice(offset, offset + this.pageSize);
    const next = offset + this.pageSize < stack.events.length ? String(offset + this.pageSize) : undefined;
    return { StackEvents: page, ...(next ? { NextToken: next } : {}) };
  }

  private resolve(parameters: Parameter[] | undefined, previous: Record<string, string>, stackName: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const parameter of parameters ?? []) {
      const key = parameter.ParameterKey as string;
      if (parameter.UsePreviousValue) {
        if (!(key in previous)) throw validationError(`Invalid input for parameter key ${key}. Cannot use previous value: none`);
        values[key] = previous[key] as string;
      } else {
        values[key] = parameter.ParameterValue ?? "";
      }
      if (this.noEcho.has(key)) this.secrets.set(stackName, values[key] as string);
    }
    return values;
  }

  private create(input: CreateStackCommandInput) {
    const name = input.StackName as string;
    if (this.stack(name)) {
      throw Object.assign(new Error(`Stack [${name}] already exists`), {
        name: "AlreadyExistsException",
        $metadata: { httpStatusCode: 400 },
      });
    }
    const stack = this.newStack(name, "CREATE_IN_PROGRESS", input.TemplateBody ?? "", {});
    stack.parameters = this.resolve(input.Parameters, {}, name);
    this.pushEvent(stack, { id: name, type: "AWS::CloudFormation::Stack", status: "CREATE_IN_PROGRESS", reason: "User Initiated" });
    stack.frames = this.onCreate(input, stack);
    return { StackId: stack.id };
  }

  private update(input: UpdateStackCommandInput) {
    const stack = this.find(input.StackName);
    if (stack.status === "ROLLBACK_COMPLETE" || stack.status.endsWith("_IN_PROGRESS")) {
      throw validationError(`Stack:${stack.id} is in ${stack.status} state and can not be updated.`);
    }
    const plan = this.onUpdate(input, stack);
    if (plan === "no-updates") throw validationError("No updates are to be performed.");
    stack.parameters = this.resolve(input.Parameters, stack.parameters, stack.name);
    stack.template = input.TemplateBody ?? stack.template;
    stack.status = "UPDATE_IN_PROGRESS";
    this.pushEvent(stack, { id: stack.name, type: "AWS::CloudFormation::Stack", status: "UPDATE_IN_PROGRESS", reason: "User Initiated" });
    stack.frames = plan;
    return { StackId: stack.id };
  }

  private delete(nameOrId: string | undefined) {
    const stack = this.all.find((s) => s.id === nameOrId) ?? (nameOrId ? this.stack(nameOrId) : undefined);
    if (!stack || stack.status === "DELETE_COMPLETE") return {};
    stack.status = "DELETE_IN_PROGRESS";
    this.pushEvent(stack, { id: stack.name, type: "AWS::CloudFormation::Stack", status: "DELETE_IN_PROGRESS", reason: "User Initiated" });
    stack.frames = this.onDelete(stack);
    return {};
  }
}
