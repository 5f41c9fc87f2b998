// Stack events of ONE operation: fetched page by page (newest first, as AWS
// returns them), deduplicated by EventId, handed out oldest first, with the
// failures collected (as data) so the error can name the first failing resource.
import { DescribeStackEventsCommand, type StackEvent } from "@aws-sdk/client-cloudformation";
import type { StackFailure } from "../errors.ts";
import type { CloudFormation } from "./clients.ts";
import { isStackMissingError } from "./tolerated-errors.ts";

// A stack's history can be long; an operation's new events fit in far fewer pages.
const MAX_PAGES_PER_POLL = 20;

/** The newest event id of a stack, taken before an operation starts so its older events are skipped. */
export async function latestEventId(client: CloudFormation, stackNameOrId: string): Promise<string | undefined> {
  try {
    const page = await client.send(new DescribeStackEventsCommand({ StackName: stackNameOrId }));
    return page.StackEvents?.[0]?.EventId;
  } catch (error) {
    if (isStackMissingError(error)) return undefined;
    throw error;
  }
}

export class StackEventPoller {
  private readonly seen = new Set<string>();
  private readonly failed: StackFailure[] = [];
  private readonly client: CloudFormation;
  private readonly stackNameOrId: string;
  private readonly sinceEventId: string | undefined;

  /**
   * @param stackNameOrId poll by stack id once known: a deleted stack's events
   *   are then still readable, and a new stack of the same name is never mixed in.
   * @param sinceEventId the newest event before this operation started (from
   *   latestEventId); it and everything older are not this operation's.
   */
  constructor(client: CloudFormation, stackNameOrId: string, sinceEventId?: string) {
    this.client = client;
    this.stackNameOrId = stackNameOrId;
    this.sinceEventId = sinceEventId;
  }

  /** New events since the last poll, oldest first. */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let nextToken: string | undefined;
    pages: for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
      let response;
      try {
        response = await this.client.send(new DescribeStackEventsCommand({ StackName: this.stackNameOrId, NextToken: nextToken }));
      } catch (error) {
        // Polling by name, a stack that finished deleting has no events to read any more.
        if (isStackMissingError(error)) break;
        throw error;
      }
      for (const event of response.StackEvents ?? []) {
        const id = event.EventId;
        if (id === undefined) continue;
        if (id === this.sinceEventId || this.seen.has(id)) break pages;
        fresh.push(event);
      }
      nextToken = response.NextToken;
      if (!nextToken) break;
    }
    fresh.reverse();
    for (const event of fresh) {
      this.seen.add(event.EventId as string);
      if (isFailureEvent(event)) this.failed.push(failureOf(event));
    }
    return fresh;
  }

  /** Failed resources of this operation so far, oldest first, cancellations left out. */
  get failures(): StackFailure[] {
    return [...this.failed];
  }
}

/** A resource (or the stack) failed, for a reason worth showing. */
export function isFailureEvent(event: StackEvent): boolean {
  if (!event.ResourceStatus?.endsWith("_FAILED")) return false;
  // Resources stopped because another one failed say "Resource creation cancelled"
  // (or "...update cancelled"): they are consequences, not the cause.
  return !/cancell?ed/i.test(event.ResourceStatusReason ?? "");
}

/** The failure a failure event reports, as data. */
export function failureOf(event: StackEvent): StackFailure {
  return {
    logicalId: event.LogicalResourceId ?? "",
    type: event.ResourceType,
    status: event.ResourceStatus ?? "",
    reason: event.ResourceStatusReason,
  };
}

/** "Function (AWS::Lambda::Function): reason", for the error's message. */
export function describeFailure(failure: StackFailure): string {
  const what = failure.type ? `${failure.logicalId} (${failure.type})` : failure.logicalId;
  return `${what}: ${failure.reason ?? (failure.status || "failed")}`;
}
