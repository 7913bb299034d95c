import { describe, expect, it } from 'vitest';
import { parsePattern, PatternSyntaxError } from '../src/patterns/parse.js';
import { regexMaxLength, regexValueProblem } from '../src/patterns/regex-bounds.js';

describe('pattern bounds: what a pattern may ask an agent to generate', () => {
  it('estimates the longest string a regex generates, as randexp does', () => {
    expect(regexMaxLength('[0-9]{140,160}')).toBe(160);
    expect(regexMaxLength('abc|defgh')).toBe(5);
    expect(regexMaxLength('x(?:ab){3}')).toBe(7);
    expect(regexMaxLength('\\d+')).toBe(100);
    expect(regexMaxLength('a{2,}')).toBe(102);
    expect(regexMaxLength('(?=x)y')).toBe(1);
    expect(regexMaxLength('((a{1000}){1000}){1000}')).toBe(1e9);
  });

  it('refuses a regex bomb, an unmatchable regex and an oversized one; accepts the presets\' kind', () => {
    expect(regexValueProblem('[a-z0-9]{140,160}', 1_572_864)).toBeUndefined();
    expect(regexValueProblem('((a{1000}){1000}){1000}', 1_572_864)).toContain('1,000,000,000 characters');
    expect(regexValueProblem('[0-9]{100000000}', 1_572_864)).toContain('at most 1,572,864');
    expect(regexValueProblem('a^b', 1_572_864)).toContain('does not match');
    expect(regexValueProblem('[^\\s\\S]', 1_572_864)).toContain('does not match');
    expect(regexValueProblem('x'.repeat(1001), 1_572_864)).toContain('1001 characters long');
  });

  it('parsePattern refuses what no agent could run: huge values, regex bombs, unmatchable regexes', () => {
    const refused = (p: string) => {
      try {
        parsePattern(p);
      } catch (e) {
        expect(e).toBeInstanceOf(PatternSyntaxError);
        return (e as Error).message;
      }
      return undefined;
    };
    expect(refused('/a/%04d[10];[0-9]{10}')).toBeUndefined();
    expect(refused('/a/%04d[10];#100000000000')).toContain("above etcd's request limit");
    expect(refused('/a/%d[10];((x{1000}){1000}){1000}')).toContain('value regex');
    expect(refused('/a/!(?=q)z/%d[2];[0-9]{3}')).toContain('level 1 regex');
  });
});
