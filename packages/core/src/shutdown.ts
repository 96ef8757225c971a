// Stopping a process on SIGTERM/SIGINT, the same way in the API and the worker (trigger.dev's shape): the first
// signal runs `close` (named steps of the app's own) and exits 0, or 1 if closing failed; a second signal, or
// `graceMs` passing, exits at once with 128 + the signal's number.
export interface ShutdownLog {
  info(obj: object, msg: string): void;
  warn(msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ShutdownOptions {
  close: () => Promise<void>;
  graceMs: number;
  log: ShutdownLog;
  /** Said when the first signal comes, and when the grace period ends. */
  messages: { stopping: string; overdue: string };
}

const SIGNAL_NUMBERS: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 2, SIGTERM: 15 };

export function onShutdownSignals(opts: ShutdownOptions): void {
  let stopping = false;
  const stop = (signal: 'SIGINT' | 'SIGTERM') => {
    const forced = 128 + SIGNAL_NUMBERS[signal];
    if (stopping) process.exit(forced); // a second signal: do not wait any longer
    stopping = true;
    opts.log.info({ signal }, opts.messages.stopping);
    setTimeout(() => {
      opts.log.warn(opts.messages.overdue);
      process.exit(forced);
    }, opts.graceMs).unref();
    opts.close().then(
      () => process.exit(0),
      (err: unknown) => {
        opts.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
