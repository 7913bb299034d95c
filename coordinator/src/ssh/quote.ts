/**
 * Remote commands are argv arrays; sshd hands the command line to the user's login shell (`$SHELL -c`),
 * so each argument is quoted for POSIX sh. Single quotes make every byte literal ($, `, \, ;, newlines);
 * a single quote itself becomes '\'' (close, escaped quote, reopen). No inventory value can inject a
 * command this way.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One argument, quoted for POSIX sh (left bare only when it holds nothing a shell interprets). */
export function shQuote(arg: string): string {
  if (arg.includes('\0')) throw new RangeError('a shell argument cannot contain a NUL byte');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv as one sh command line. */
export function shJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new RangeError('an empty command');
  return argv.map(shQuote).join(' ');
}

export interface CommandShape {
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Remote time limit in whole seconds: coreutils `timeout -k 2 N` runs the command in its own process
   * group and kills the group when the time is up. Needed because sshd refuses "signal" requests for
   * root sessions, and closing a channel does not end the command.
   */
  timeoutS?: number;
}

/**
 * The full command line for argv with optional environment (through `env`, so it works whatever the
 * login shell does with assignments) and working directory.
 */
export function buildCommand(argv: readonly string[], o: CommandShape = {}): string {
  const envEntries = Object.entries(o.env ?? {});
  for (const [k] of envEntries) if (!ENV_NAME.test(k)) throw new RangeError(`"${k}" is not a valid environment variable name`);
  const withEnv = envEntries.length > 0 ? ['env', ...envEntries.map(([k, v]) => `${k}=${v}`), ...argv] : [...argv];
  const limited = o.timeoutS !== undefined ? ['timeout', '-k', '2', String(Math.max(1, Math.ceil(o.timeoutS))), ...withEnv] : withEnv;
  const line = shJoin(limited);
  return o.cwd !== undefined ? `cd -- ${shQuote(o.cwd)} && ${line}` : line;
}

/** A script for `sh -c`: the same as argv ['sh', '-c', script, 'sh', ...args] with args as $1.. */
export const shScript = (script: string, ...args: string[]): string[] => ['sh', '-c', script, 'sh', ...args];
