/**
 * The printf subset the driver's `%fmt[N]` levels use (Go's fmt.Sprintf with one integer argument):
 * verbs d v s x X o b, flags `-` `0` `+` and space, a width, and `%%`. Compiled once per level.
 */
export type IntFormatter = (n: number) => string;

const VERB = /%([-+ 0#]*)(\d*)([dvsxXob%])/g;

export class FormatError extends Error {}

export function compileFormat(fmt: string): IntFormatter {
  const parts: (string | ((n: number) => string))[] = [];
  let last = 0;
  let verbs = 0;
  for (const m of fmt.matchAll(VERB)) {
    parts.push(fmt.slice(last, m.index));
    last = m.index + m[0].length;
    const [, flags = '', widthText = '', verb = ''] = m;
    if (verb === '%') {
      parts.push('%');
      continue;
    }
    if (++verbs > 1) throw new FormatError(`"${fmt}" has more than one verb; a level formats one number`);
    const width = widthText ? Number(widthText) : 0;
    // A key segment is short; a width of 10^9 would be a 1 GB string per key.
    if (width > 1024) throw new FormatError(`"${fmt}" has a width of ${width}; at most 1024`);
    const radix = verb === 'x' || verb === 'X' ? 16 : verb === 'o' ? 8 : verb === 'b' ? 2 : 10;
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    parts.push((n: number) => {
      let digits = Math.abs(n).toString(radix);
      if (verb === 'X') digits = digits.toUpperCase();
      const s = n < 0 ? '-' : sign;
      if (zero) return s + digits.padStart(Math.max(0, width - s.length), '0');
      const body = s + digits;
      return left ? body.padEnd(width, ' ') : body.padStart(width, ' ');
    });
  }
  if (/%(?![-+ 0#]*\d*[dvsxXob%])/.test(fmt.replace(VERB, ''))) throw new FormatError(`"${fmt}" has a % that is not a known verb (use %d, %06d, %x, %s or %%)`);
  parts.push(fmt.slice(last));
  const fixed = parts.every((p) => typeof p === 'string');
  if (fixed) {
    const text = parts.join('');
    return () => text;
  }
  return (n) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(n);
    return out;
  };
}
