import type { Command } from 'commander';

/** Sets the process exit status from a command's action. */
export type SetExit = (code: number) => void;

/**
 * Each command family registers itself on the program; cli.ts only lists the registrars. A family that
 * owns a sub-command group (e.g. `cluster`) gets or creates it with subcommand().
 */
export type Registrar = (program: Command, setExit: SetExit) => void;

/** The sub-command group `name` (e.g. `cluster`), created on first use so several families can share it. */
export function subcommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}
