import type { Command } from "commander";
import { NotImplementedError } from "../errors.ts";

export async function updateStack(_name: string, _files: string[], _options: unknown, _command: Command): Promise<void> {
  throw new NotImplementedError("update-stack is being built");
}
