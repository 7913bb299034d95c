import type { z } from 'zod';
import type { Problem } from './errors.js';

/** `phases[2].keys.space` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(top level)';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The closest known name to a mistyped one, if it is close enough to be a likely typo. */
export function closestName(input: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(input.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

/** Known keys of the object schema at `path` inside `root`, to suggest a fix for an unknown key. */
function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = root;
  for (const seg of path) {
    node = unwrap(node);
    const def = (node as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } }).def;
    if (!def) return [];
    if (def.type === 'object' && typeof seg === 'string') node = def.shape?.[seg];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
  }
  return [...new Set(objectKeys(node))];
}

/** The keys an object schema takes; for a union of objects (a rule: checkPerf or a metric rule), all of theirs. */
function objectKeys(node: unknown): string[] {
  let n = node as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[]; shape?: Record<string, unknown> } } | undefined;
  while (n?.def && ['optional', 'default', 'nullable', 'pipe', 'prefault'].includes(n.def.type ?? '')) n = (n.def.innerType ?? n.def.in) as typeof n;
  if (n?.def?.type === 'union') return (n.def.options ?? []).flatMap(objectKeys);
  return n?.def?.type === 'object' && n.def.shape ? Object.keys(n.def.shape) : [];
}

function unwrap(node: unknown): unknown {
  let n = node as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[] } } | undefined;
  while (n?.def && ['optional', 'default', 'nullable', 'pipe', 'prefault', 'union'].includes(n.def.type ?? '')) {
    // A union (e.g. a weight or an options object): suggest from its object member.
    if (n.def.type === 'union') n = (n.def.options ?? []).map(unwrap).find((o) => (o as { def?: { type?: string } })?.def?.type === 'object') as typeof n;
    else n = (n.def.innerType ?? n.def.in) as typeof n;
  }
  return n;
}

/** Turns zod issues into Problems that name the file, the field and a fix. */
export function zodProblems(error: z.ZodError, schema: z.ZodType, file?: string): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closestName(key, known);
        const field = formatPath([...issue.path, key]);
        problems.push({
          ...(file ? { file } : {}),
          field,
          message: `unknown field "${key}"`,
          fix: guess ? `did you mean "${guess}"?` : `remove it; known fields here: ${known.join(', ') || '(none)'}`,
        });
      }
      continue;
    }
    problems.push({
      ...(file ? { file } : {}),
      field: formatPath(issue.path),
      message: issue.message,
      fix: fixFor(issue),
    });
  }
  return problems;
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.inclusive === false ? `use a value above ${String(issue.minimum)}` : `use a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.inclusive === false ? `use a value below ${String(issue.maximum)}` : `use a value of at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return `give a ${issue.expected}`;
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key':
      return 'use one of the known names';
    case 'custom':
      // A refinement can say how to fix what it found: addIssue({ ..., params: { fix } }).
      return (issue.params as { fix?: string } | undefined)?.fix ?? 'see docs/workloads.md';
    default:
      return 'see docs/workloads.md';
  }
}
