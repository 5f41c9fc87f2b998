// Ctrl-C as an AbortSignal: the first one asks the running work to stop
// cleanly (abort uploads, stop waiting); a second one exits at once.

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export function onInterrupt(process_: NodeJS.Process = process): Interrupt {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process_.exit(130);
    process_.stderr.write("\nInterrupted: stopping cleanly (Ctrl-C again to quit at once)...\n");
    controller.abort();
  };
  process_.on("SIGINT", handler);
  return { signal: controller.signal, dispose: () => process_.off("SIGINT", handler) };
}
