// One CloudWatch Logs event, as the rest of the tool sees it.
export interface LogEvent {
  /** CloudWatch's event id; unique within the log group. */
  id: string;
  /** When the event happened, epoch milliseconds. */
  timestamp: number;
  /** Log stream name: one per Lambda execution environment. */
  stream: string;
  message: string;
}
