/** Ctrl-C (SIGINT) and SIGTERM, handled alike: a service manager's stop means what Ctrl-C means. */
export const EXIT_INTERRUPTED = 130; // 128 + SIGINT, as shells report a command Ctrl-C ended

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Calls `handler` on each Ctrl-C or SIGTERM until the returned function is called. */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, handler);
  };
}

/** Calls `handler` on the first Ctrl-C or SIGTERM only; a second one ends the process as it would without a handler. */
export function onFirstInterrupt(handler: () => void): () => void {
  const stop = onInterrupt(() => {
    stop();
    handler();
  });
  return stop;
}
