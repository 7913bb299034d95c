/**
 * YAML from a user's file, read with limits (docs/errors.md): syntax errors with their line, at most
 * 100 alias uses (a "billion laughs" document is refused, not expanded), at most 64 levels of nesting.
 * Every failure is an InputError with the caller's code, naming the file. Pure.
 */
import { parseDocument } from 'yaml';
import { InputError, type Problem } from './errors.js';

export const YAML_MAX_ALIASES = 100;
export const YAML_MAX_DEPTH = 64;

export function parseYamlInput(text: string, file: string, code: string): unknown {
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { uniqueKeys: true });
  } catch (err) {
    throw refused(file, code, `cannot be parsed (${(err as Error).message})`, 'write plain YAML: mappings and lists a few levels deep');
  }
  if (doc.errors.length > 0) {
    throw new InputError(
      code,
      `${file} is not valid YAML`,
      doc.errors.slice(0, 20).map((e) => ({ file, field: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message, fix: 'correct the YAML syntax' })),
    );
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: YAML_MAX_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError) throw refused(file, code, `uses YAML aliases more than ${YAML_MAX_ALIASES} times (an alias bomb?)`, 'write the values out, or use fewer anchors and aliases');
    throw refused(file, code, `cannot be read (${(err as Error).message})`, 'write plain YAML: mappings and lists a few levels deep');
  }
  if (deeperThan(js, YAML_MAX_DEPTH)) throw refused(file, code, `is nested more than ${YAML_MAX_DEPTH} levels deep`, 'a workload or inventory needs a few levels; flatten the document');
  return js;
}

function refused(file: string, code: string, what: string, fix: string): InputError {
  const problem: Problem = { file, message: what, fix };
  return new InputError(code, `${file} ${what}`, [problem]);
}

/** Iterative (a deep document must not overflow the stack here either). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}
