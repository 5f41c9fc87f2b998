// Ctrl-C as an AbortSignal: the first one asks the running work to stop
// cleanly (abort uploads, stop waiting or following); a second one exits at once.

export interface Interrupt {
  signal: AbortSignal;
  /** Stop as a Ctrl-C would, for other reasons (e.g. the reader of a pipe went away). */
  abort(): void;
  dispose(): void;
}

/** `notice`, if given, goes to stderr on the first Ctrl-C (for work that takes a moment to stop). */
export function onInterrupt(options: { notice?: string; process?: NodeJS.Process } = {}): Interrupt {
  const process_ = options.process ?? process;
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process_.exit(130);
    if (options.notice) process_.stderr.write(`\n${options.notice}\n`);
    controller.abort();
  };
  process_.on("SIGINT", handler);
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => process_.off("SIGINT", handler),
  };
}
