import { pino, type Logger } from 'pino';

/** What forEachHost gives each host's task: named steps (logged, timed, named on failure), a logger, a signal. */
export interface HostStepContext {
  readonly host: string;
  /** Logger bound to this host ({host: name}). */
  readonly log: Logger;
  /** Aborted when another host failed and forEachHost was told to stop on failure. */
  readonly signal: AbortSignal;
  /** Runs fn as a named step: logged at start and end with its duration; a failure names this step. Steps nest. */
  step<R>(name: string, fn: () => Promise<R>): Promise<R>;
  /** A human progress line for this host (prefixed with its name). */
  note(line: string): void;
}

const seconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Tracks one host's open steps so a failure can be reported as the path of steps it happened in. */
export class StepTracker {
  readonly context: HostStepContext;
  private readonly open: string[] = [];
  private failed: string[] | undefined;

  constructor(host: string, logger: Logger | undefined, note: ((line: string) => void) | undefined, signal: AbortSignal) {
    const log = (logger ?? pino({ level: 'silent' })).child({ host });
    const say = (line: string) => note?.(`[${host}] ${line}`);
    this.context = {
      host,
      log,
      signal,
      note: say,
      step: async <R>(name: string, fn: () => Promise<R>): Promise<R> => {
        this.open.push(name);
        const started = Date.now();
        log.info({ step: name }, 'step start');
        try {
          const out = await fn();
          const ms = Date.now() - started;
          log.info({ step: name, ms }, 'step done');
          say(`${name} ... ok (${seconds(ms)})`);
          return out;
        } catch (err) {
          this.failed ??= [...this.open];
          log.warn({ step: name, ms: Date.now() - started, err: (err as Error).message }, 'step failed');
          say(`${name} ... FAILED: ${(err as Error).message.split('\n')[0]}`);
          throw err;
        } finally {
          this.open.pop();
        }
      },
    };
  }

  /** The steps open at the first failure (outermost first), else those open now. */
  failedPath(): string[] {
    return this.failed ?? [...this.open];
  }
}
