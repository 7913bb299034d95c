/** An AbortSignal fired by the first Ctrl-C or SIGTERM; a second one exits at once. */
export function interruptSignal(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const ctrl = new AbortController();
  const handler = () => {
    if (ctrl.signal.aborted) process.exit(130);
    onFirst();
    ctrl.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ctrl.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

