import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CONTROL_CHARS, ErrorCodes, InputError, safeName } from '@etcdlab/common';

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
 * `--out DIR` of compare and sweep, checked before any work: a folder (new, or one to write into), never a
 * file, and its parent must exist; it used to surface as E_INTERNAL (EEXIST) after the reports were built.
 */
export function checkOutDir(out: string | undefined): void {
  if (out === undefined) return;
  const fix = 'name a folder, e.g. --out results/compare-1-3-5 (it is created, or written into when it exists)';
  if (out.trim() === '') throw new InputError(ErrorCodes.optionInvalid, 'invalid value for --out: empty', [{ field: '--out', message: 'empty', fix }]);
  if (CONTROL_CHARS.test(out)) throw new InputError(ErrorCodes.optionInvalid, 'invalid value for --out', [{ field: '--out', message: 'holds control characters', fix }]);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new InputError(ErrorCodes.optionInvalid, `--out ${out} is a file`, [{ field: '--out', message: `${out} exists and is not a folder`, fix }]);
  const parent = dirname(resolve(out));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new InputError(ErrorCodes.optionInvalid, `--out ${out}: no folder ${parent}`, [{ field: '--out', message: `${parent} does not exist`, fix }]);
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

export interface RunLabels {
  name?: string;
  tags?: Record<string, string>;
}

/** --name and --tag k=v (repeatable) of every run command, recorded in the manifest and shown in reports and compare. */
export function addLabelOptions(cmd: Command): Command {
  return cmd.option('--name <text>', 'a name for the run (reports and compare show it)').option('--tag <key=value>', 'a tag for the run (repeatable)', (v: string, prev: string[] = []) => [...prev, v]);
}

/** The labels from the options, checked: a name of printable text (at most 100), tags key=value with a name-like key. */
export function runLabels(o: { name?: string; tag?: string[] }): RunLabels {
  const bad = (field: string, message: string, fix: string) => new InputError(ErrorCodes.optionInvalid, `invalid ${field}`, [{ field, message, fix }]);
  if (o.name !== undefined && (o.name.trim() === '' || o.name.length > 100 || CONTROL_CHARS.test(o.name))) throw bad('--name', `${JSON.stringify(o.name)} is not a run name`, 'one line of printable text, at most 100 characters');
  const tags: Record<string, string> = {};
  for (const t of o.tag ?? []) {
    const eq = t.indexOf('=');
    const key = eq > 0 ? t.slice(0, eq) : '';
    const value = eq > 0 ? t.slice(eq + 1) : '';
    if (!key || !safeName(key).ok) throw bad('--tag', `${JSON.stringify(t)} is not key=value with a name as key`, 'e.g. --tag build=1234 --tag disk=nvme');
    if (value.length > 200 || CONTROL_CHARS.test(value)) throw bad('--tag', `the value of ${key} is not one line of at most 200 characters`, 'a shorter value');
    tags[key] = value;
  }
  return { ...(o.name !== undefined ? { name: o.name } : {}), ...(Object.keys(tags).length ? { tags } : {}) };
}
