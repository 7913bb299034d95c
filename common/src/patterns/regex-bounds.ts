/**
 * How long the strings a pattern's regex generates can get, and whether it can generate any that it
 * matches: checked before a run, so that `[0-9]{100000000}` or `((a{1000}){1000}){1000}` is refused
 * instead of filling the agent's memory, and `a^b` instead of looping. Pure. The estimate follows how
 * randexp generates: `*` and `+` repeat at most 100 times, `{n,}` at most n + 100.
 */
import { RandExp } from './randexp.js';

/** randexp's default cap on open-ended repetition. */
const OPEN_REPEAT = 100;

/** The longest string `regex` can generate (Infinity when it cannot be told: treated as too long). */
export function regexMaxLength(regex: string): number {
  let i = 0;
  const peek = () => regex[i];
  const alternation = (): number => {
    let best = sequence();
    while (peek() === '|') {
      i++;
      best = Math.max(best, sequence());
    }
    return best;
  };
  const sequence = (): number => {
    let total = 0;
    while (i < regex.length && peek() !== '|' && peek() !== ')') total += quantified(atom());
    return total;
  };
  const atom = (): number => {
    const c = regex[i++];
    if (c === '(') {
      // (?=...) (?!...) (?<=...) (?<!...) generate nothing; (?:...) and (?<name>...) are groups.
      let zero = false;
      if (peek() === '?') {
        i++;
        if (peek() === '=' || peek() === '!') (zero = true), i++;
        else if (peek() === '<' && (regex[i + 1] === '=' || regex[i + 1] === '!')) (zero = true), (i += 2);
        else if (peek() === '<') while (i < regex.length && regex[i++] !== '>');
        else if (peek() === ':') i++;
      }
      const inner = alternation();
      if (peek() === ')') i++;
      return zero ? 0 : inner;
    }
    if (c === '[') {
      if (peek() === '^') i++;
      if (peek() === ']') i++;
      while (i < regex.length && peek() !== ']') i += regex[i] === '\\' ? 2 : 1;
      i++;
      return 1;
    }
    if (c === '\\') {
      const e = regex[i++];
      return e === 'b' || e === 'B' ? 0 : 1;
    }
    if (c === '^' || c === '$') return 0;
    return 1;
  };
  const quantified = (len: number): number => {
    let out = len;
    for (;;) {
      const q = peek();
      if (q === '*' || q === '+') (out *= OPEN_REPEAT), i++;
      else if (q === '?') i++;
      else if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(regex.slice(i));
        if (!m) return out;
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : m[3] === '' ? lo + OPEN_REPEAT : Number(m[3]);
        out *= hi;
        i += m[0].length;
      } else return out;
      // A lazy or possessive marker after a quantifier.
      if (peek() === '?' || peek() === '+') i++;
    }
  };
  const n = alternation();
  return i < regex.length ? Infinity : n;
}

/** Why `regex` cannot give values of at most `maxChars` that it matches, or undefined when it can. */
export function regexValueProblem(regex: string, maxChars: number): string | undefined {
  if (regex.length > 1000) return `the regex is ${regex.length} characters long (at most 1000)`;
  const longest = regexMaxLength(regex);
  if (longest > maxChars) return `the regex can generate ${Number.isFinite(longest) ? `${longest.toLocaleString('en-US')} characters` : 'strings of unbounded length'}; at most ${maxChars.toLocaleString('en-US')}`;
  const whole = new RegExp(`^(?:${regex})$`);
  const gen = new RandExp(regex);
  for (let k = 0; k < 5; k++) if (whole.test(gen.gen())) return undefined;
  return 'the regex generates strings it does not match (an anchor or a lookaround it cannot satisfy): nothing valid could be written';
}
