// A real Output (src/ui/output.ts) writing into strings, as on a non-TTY.
import { Writable } from "node:stream";
import { createOutput, type Output } from "../../src/ui/output.ts";

export interface RecordingOutput {
  out: Output;
  /** Everything written to stderr, split into lines. */
  lines(): string[];
  stderr(): string;
  stdout(): string;
}

function sink(into: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      into.push(String(chunk));
      callback();
    },
  });
}

export function recordingOutput(options: { verbose?: boolean; quiet?: boolean; json?: boolean } = {}): RecordingOutput {
  const err: string[] = [];
  const std: string[] = [];
  const out = createOutput({ ...options, stdout: sink(std), stderr: sink(err), env: { NO_COLOR: "1" } });
  return {
    out,
    stderr: () => err.join(""),
    stdout: () => std.join(""),
    lines: () =>
      err
        .join("")
        .split("\n")
        .filter((line) => line !== ""),
  };
}
