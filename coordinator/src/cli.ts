import { Command, CommanderError } from 'commander';
import { ErrorCodes, EtcdlabError, terminalSafe } from '@etcdlab/common';
import { registerAgents } from './commands/agents.js';
import { registerCluster } from './commands/cluster.js';
import { registerCompare } from './commands/compare.js';
import { registerHosts } from './commands/hosts.js';
import { registerImage } from './commands/image.js';
import { registerDump } from './commands/dump.js';
import { registerFault } from './commands/fault.js';
import { registerKeys } from './commands/keys.js';
import { registerResults } from './commands/results.js';
import { registerQuickstart } from './commands/quickstart.js';
import type { Registrar } from './commands/register.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { registerWorkload } from './commands/workload.js';
import { TOOL_VERSION } from './version.js';

/** Every command family; add a new one here (one line), its options and action live in its own module. */
const registrars: Registrar[] = [registerQuickstart, registerRun, registerCluster, registerFault, registerAgents, registerHosts, registerReport, registerCompare, registerSweep, registerWorkload, registerImage, registerKeys, registerDump, registerResults];

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('etcdlab')
    .description('Deploy etcd clusters and load-test them with synchronized agents and merged HDR histograms')
    .version(TOOL_VERSION)
    .exitOverride()
    // Usage errors are printed by main() with a code and the usage of the command at fault.
    .configureOutput({ outputError: () => undefined });

  for (const register of registrars) register(program, setExit);
  return program;
}

/**
 * Runs the CLI; returns the exit status. Usage errors are E_USAGE, exit 2 like other bad input, with the
 * usage of the command at fault; an unexpected error is E_INTERNAL in one line (the stack trace with
 * --debug or ETCDLAB_DEBUG=1).
 */
export async function main(argvIn: string[]): Promise<number> {
  const debug = argvIn.includes('--debug') || process.env.ETCDLAB_DEBUG === '1';
  const argv = argvIn.filter((a) => a !== '--debug');
  let code = 0;
  const program = buildProgram((c) => (code = c));
  for (const c of allCommands(program)) c.exitOverride().configureOutput({ outputError: () => undefined });
  const unknownHelp = helpTopicUnknown(program, argv.slice(2));
  if (unknownHelp) {
    process.stderr.write(`error ${ErrorCodes.usage}: help: no command ${JSON.stringify(terminalSafe(unknownHelp.word))}\n  - etcdlab help: unknown command ${JSON.stringify(terminalSafe(unknownHelp.word))}\n    fix: one of ${unknownHelp.choices.join(', ')}\n`);
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.help' || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      const at = commandAt(program, argv.slice(2));
      const path = commandPath(at);
      // commander's own message, with its near-match suggestion ("(Did you mean cluster?)") made the fix.
      const [what = '', ...rest] = terminalSafe(err.message.replace(/^error: /, ''), { keepLines: true }).split('\n');
      const guess = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
      const fix = `${guess ? `did you mean ${guess}? ` : ''}${path} --help lists every option`;
      process.stderr.write(`error ${ErrorCodes.usage}: ${what}\n  - ${path}: ${what}\n    fix: ${fix}\nusage: ${path} ${at.usage()}\n`);
      return 2;
    }
    if (err instanceof EtcdlabError) {
      process.stderr.write(err.describe() + '\n');
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`error ${ErrorCodes.internal}: unexpected error: ${terminalSafe(e?.message ?? String(err))}\n${debug ? `${e?.stack ?? ''}\n` : '(run again with --debug for the stack trace; please report it)\n'}`);
    return 1;
  }
}

/** `etcdlab help a b`: the first word that names no command (commander prints the top help for it, exit 0). */
function helpTopicUnknown(program: Command, words: string[]): { word: string; choices: string[] } | undefined {
  if (words[0] !== 'help') return undefined;
  const { at, unknown } = walkCommands(program, words.slice(1));
  return unknown === undefined ? undefined : { word: unknown, choices: at.commands.map((c) => c.name()).filter((n) => n !== 'help') };
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

/** The deepest command the words name (`cluster up` in `cluster up -i x --bad`), and the first word past it. */
function walkCommands(program: Command, words: string[]): { at: Command; unknown?: string } {
  let at = program;
  for (const w of words) {
    if (w.startsWith('-')) continue;
    const next = at.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!next) return { at, unknown: w };
    at = next;
  }
  return { at };
}

const commandAt = (program: Command, words: string[]): Command => walkCommands(program, words).at;

function commandPath(c: Command): string {
  const names: string[] = [];
  for (let x: Command | null = c; x; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}
