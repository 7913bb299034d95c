import { compileFormat, FormatError, type IntFormatter } from './format.js';
import { PATTERN_RULES, RULE_NAMES, type PatternRule } from './rules.js';
import { WORKLOAD_BOUNDS } from '../workload/bounds.js';
import { regexValueProblem } from './regex-bounds.js';

/**
 * The etcd-driver pattern syntax, accepted as it is:
 *   /level/level/...;VALUE
 * Levels are split on `/` (empty ones skipped); the last level carries the value after `;`. A level is
 *   :rule          a built-in rule (ip, region, actual_desired, state, clusterid, masterid, workerid)
 *   %fmt[N]        printf of 0..N-1 (N = 1 without brackets), e.g. %level5-%040d[100]
 *   !REGEX         one random segment matching REGEX
 *   anything else  a literal
 * VALUE is a regex (e.g. [0-9]{140,160}) or #N (N random bytes). A val-spec "a,b" (digit strings of
 * length a..b) replaces it. The key, value split happens at the first `;`, so a value regex may hold `/`.
 */
export type LevelKind = 'literal' | 'format' | 'rule' | 'regex';

export interface PatternLevel {
  index: number;
  /** The level as written. */
  source: string;
  kind: LevelKind;
  /** Distinct segments at this level under one parent. */
  count: number;
  literal?: string;
  format?: IntFormatter;
  rule?: PatternRule;
  ruleName?: string;
  regex?: string;
}

export type ValueSpec = { kind: 'regex'; regex: string } | { kind: 'bytes'; size: number } | { kind: 'digits'; min: number; max: number };

export interface ParsedPattern {
  source: string;
  levels: PatternLevel[];
  value: ValueSpec;
}

/** A problem in a pattern, with where it is and how to fix it. */
export class PatternSyntaxError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

function countOf(text: string): { body: string; count: number } {
  const m = /^(.*)\[(\d+)\]$/.exec(text);
  if (!m) return { body: text, count: 1 };
  const count = Number(m[2]);
  if (count < 1) throw new PatternSyntaxError(`level "${text}" has a count of 0`, 'use [1] or more');
  if (count > WORKLOAD_BOUNDS.patternKeys) throw new PatternSyntaxError(`level "${text}" has a count above ${WORKLOAD_BOUNDS.patternKeys.toLocaleString('en-US')}`, 'use a smaller count');
  return { body: m[1] as string, count };
}

function checkRegex(regex: string, where: string, maxChars: number): void {
  try {
    new RegExp(regex);
  } catch (err) {
    throw new PatternSyntaxError(`${where} "${regex}" is not a valid regex: ${(err as Error).message}`, 'write a JavaScript-compatible regex, e.g. [a-z0-9]{20}');
  }
  const problem = regexValueProblem(regex, maxChars);
  if (problem) throw new PatternSyntaxError(`${where} "${regex.length > 60 ? `${regex.slice(0, 60)}...` : regex}": ${problem}`, `write a regex that matches what it generates, of at most ${maxChars.toLocaleString('en-US')} characters, e.g. [a-z0-9]{20}`);
}

function parseLevel(text: string, index: number): PatternLevel {
  const base = { index, source: text };
  if (text.startsWith(':')) {
    const name = countOf(text.slice(1)).body;
    const rule = PATTERN_RULES[name];
    if (!rule) throw new PatternSyntaxError(`unknown rule ":${name}" at level ${index}`, `use one of :${RULE_NAMES.join(', :')}`);
    return { ...base, kind: 'rule', rule, ruleName: name, count: rule.kind === 'list' ? rule.values.length : 1 };
  }
  if (text.startsWith('%')) {
    const { body, count } = countOf(text.slice(1));
    try {
      return { ...base, kind: 'format', format: compileFormat(body), count };
    } catch (err) {
      if (err instanceof FormatError) throw new PatternSyntaxError(`level ${index}: ${err.message}`, 'e.g. %level5-%040d[100]');
      throw err;
    }
  }
  if (text.startsWith('!')) {
    const regex = text.slice(1);
    checkRegex(regex, `level ${index} regex`, 1024);
    return { ...base, kind: 'regex', regex, count: 1 };
  }
  return { ...base, kind: 'literal', literal: text, count: 1 };
}

function parseValue(text: string): ValueSpec {
  const bytes = /^#(\d+)$/.exec(text);
  if (bytes) {
    const size = Number(bytes[1]);
    if (size > WORKLOAD_BOUNDS.valueBytes) throw new PatternSyntaxError(`value #${bytes[1]} is above etcd's request limit`, `use at most #${WORKLOAD_BOUNDS.valueBytes}`);
    return { kind: 'bytes', size };
  }
  checkRegex(text, 'value regex', WORKLOAD_BOUNDS.valueBytes);
  return { kind: 'regex', regex: text };
}

/** Parses a pattern; `valSpec` (digit-string lengths) replaces the leaf's value as the driver's --val-spec does. */
export function parsePattern(source: string, valSpec?: { min: number; max: number }): ParsedPattern {
  const semi = source.indexOf(';');
  const keyPart = semi >= 0 ? source.slice(0, semi) : source;
  const valuePart = semi >= 0 ? source.slice(semi + 1) : undefined;
  if (valuePart === undefined && !valSpec) {
    throw new PatternSyntaxError(`pattern "${source}" has no value specification`, 'end the last level with ;REGEX, e.g. ;[0-9]{140,160}, or give valSpec');
  }
  const texts = keyPart.split('/').filter((t) => t.length > 0);
  if (texts.length === 0) throw new PatternSyntaxError(`pattern "${source}" has no levels`, 'e.g. /prefix/%item-%04d[10];[a-z]{20}');
  const levels = texts.map(parseLevel);
  const value: ValueSpec = valSpec ? { kind: 'digits', ...valSpec } : parseValue(valuePart as string);
  if (valSpec && valuePart !== undefined && valuePart !== '') parseValue(valuePart); // still must be valid
  return { source, levels, value };
}
