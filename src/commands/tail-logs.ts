import type { Command } from "commander";
import { NotImplementedError } from "../errors.ts";

export async function tailLogs(_name: string, _options: unknown, _command: Command): Promise<void> {
  throw new NotImplementedError("tail-logs is not implemented yet", { hint: "It arrives with the logs and deletion issue." });
}
