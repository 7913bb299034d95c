import type { Command } from 'commander';
import { ErrorCodes, InputError } from '@etcdlab/common';

/** A commander argument parser for an integer flag within [min, max], failing with a coded input error. */
export function intOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InputError(ErrorCodes.optionInvalid, `invalid value for ${flag}: "${value}"`, [
        { field: flag, message: `must be a whole number from ${min} to ${max}`, fix: `e.g. ${flag} ${Math.min(Math.max(min, 3), max)}` },
      ]);
    }
    return n;
  };
}

/**
 * The workload overrides every run command takes (docs/workloads.md#command-line-overrides); their values
 * are checked by the workload's own rules, so they are taken as given here. A sweep varies clients itself.
 */
export function addOverrideOptions(cmd: Command, o: { clients: boolean }): Command {
  if (o.clients) cmd.option('--clients <n>', 'override: clients of every phase (or of --phase)');
  cmd
    .option('--connections <n>', 'override: connections')
    .option('--rate <ops/s>', 'override: open-loop rate')
    .option('--duration <time>', "override: duration, e.g. 2m (replaces a phase's total)")
    .option('--total <n>', "override: operations (replaces a phase's duration)")
    .option('--value-size <bytes>', 'override: value size')
    .option('--key-space <n>', 'override: distinct keys');
  if (o.clients) cmd.option('--phase <name>', 'apply the overrides to this phase only');
  return cmd;
}
