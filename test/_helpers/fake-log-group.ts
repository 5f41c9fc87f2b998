// A CloudWatch log group behind aws-sdk-client-mock: events become visible at
// their ingestion time on a fake clock, FilterLogEvents pages through them a
// few at a time (with nextToken), as the real service does.
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";

export interface FakeLogEvent {
  eventId: string;
  timestamp: number;
  message: string;
  logStreamName?: string;
  /** When FilterLogEvents starts returning it (fake clock); default: its timestamp. */
  ingestedAt?: number;
}

export class FakeLogGroup {
  readonly client = new CloudWatchLogsClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  readonly mock = mockClient(this.client);
  readonly calls: FilterLogEventsCommandInput[] = [];
  events: FakeLogEvent[] = [];
  /** Set false to answer ResourceNotFoundException, as for a log group not created yet. */
  exists = true;
  readonly clock: { now: number };
  readonly pageSize: number;

  constructor(clock: { now: number }, pageSize = 2) {
    this.clock = clock;
    this.pageSize = pageSize;
    this.mock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => this.filter(input));
  }

  private filter(input: FilterLogEventsCommandInput) {
    this.calls.push(input);
    if (!this.exists) {
      const error = new Error("The specified log group does not exist.");
      error.name = "ResourceNotFoundException";
      throw error;
    }
    const visible = this.events
      .filter((e) => (e.ingestedAt ?? e.timestamp) <= this.clock.now)
      .filter((e) => input.startTime === undefined || e.timestamp >= input.startTime)
      .filter((e) => !input.filterPattern || e.message.includes(input.filterPattern))
      .sort((a, b) => a.timestamp - b.timestamp);
    const offset = input.nextToken ? Number(input.nextToken) : 0;
    const page = visible.slice(offset, offset + this.pageSize);
    const next = offset + this.pageSize < visible.length ? String(offset + this.pageSize) : undefined;
    return {
      events: page.map((e) => ({ ...e, logStreamName: e.logStreamName ?? "stream-1", ingestionTime: e.ingestedAt ?? e.timestamp })),
      ...(next ? { nextToken: next } : {}),
    };
  }
}
