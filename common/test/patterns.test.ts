import { describe, expect, it } from 'vitest';
import { compileFormat } from '../src/patterns/format.js';
import { parsePattern, PatternSyntaxError } from '../src/patterns/parse.js';
import { driverIp } from '../src/patterns/rules.js';
import { PatternTree, patternCounts } from '../src/patterns/tree.js';
import { PatternValues } from '../src/patterns/values.js';
import { seededRandom } from '../src/patterns/rng.js';

/** The armada-etcd-simulator chart's pattern (second seed). */
const SIMULATOR = '/prefix/:ip/%level2-%06d[2]/%level3-%04d[6]/%level4-%04d[2]/%level5-%040d[100]/%level6-%040d[10]/%leaf7-%06d[5];[0-9]{140,160}';

describe('the etcd-driver pattern syntax', () => {
  it('expands the simulator pattern to 120,000 keys, 2,400 prefixes at level 5 and 24,000 at level 6', () => {
    const p = parsePattern(SIMULATOR);
    expect(p.levels.map((l) => l.kind)).toEqual(['literal', 'rule', 'format', 'format', 'format', 'format', 'format', 'format']);
    const { perLevel, keys } = patternCounts(p);
    expect(keys).toBe(120_000);
    expect(perLevel[5]).toBe(2_400);
    expect(perLevel[6]).toBe(24_000);
    expect(perLevel).toEqual([1, 1, 2, 12, 24, 2_400, 24_000, 120_000]);
    expect(p.value).toEqual({ kind: 'regex', regex: '[0-9]{140,160}' });
  });

  it('builds keys the way the driver does: depth first, printf levels, :ip per driver', () => {
    const tree = new PatternTree(parsePattern(SIMULATOR), { driver: 0, seed: 'run-1', root: '' });
    const z40 = (n: number) => String(n).padStart(40, '0');
    expect(tree.key(0)).toBe(`/prefix/10.0.0.1/level2-000000/level3-0000/level4-0000/level5-${z40(0)}/level6-${z40(0)}/leaf7-000000`);
    expect(tree.key(1)).toBe(`/prefix/10.0.0.1/level2-000000/level3-0000/level4-0000/level5-${z40(0)}/level6-${z40(0)}/leaf7-000001`);
    expect(tree.key(5)).toBe(`/prefix/10.0.0.1/level2-000000/level3-0000/level4-0000/level5-${z40(0)}/level6-${z40(1)}/leaf7-000000`);
    expect(tree.key(119_999)).toBe(`/prefix/10.0.0.1/level2-000001/level3-0005/level4-0001/level5-${z40(99)}/level6-${z40(9)}/leaf7-000004`);
    // Every key is distinct and lies under its level-5 prefix.
    const keys = new Set<string>();
    for (let i = 0; i < 120_000; i += 7) keys.add(tree.key(i));
    expect(keys.size).toBe(Math.ceil(120_000 / 7));
    const { first, count } = tree.leaves(5, 17);
    expect(count).toBe(50);
    expect(tree.key(first).startsWith(tree.prefix(5, 17) + '/')).toBe(true);
    expect(tree.key(first + count - 1).startsWith(tree.prefix(5, 17) + '/')).toBe(true);
    expect(tree.key(first + count).startsWith(tree.prefix(5, 17) + '/')).toBe(false);
    // Another driver has its own tree; a root puts it under the run's namespace.
    const other = new PatternTree(parsePattern(SIMULATOR), { driver: 1, seed: 'run-1', root: 'etcdlab/r' });
    expect(other.key(0)).toMatch(/^etcdlab\/r\/prefix\/10\.0\.0\.2\//);
    expect(driverIp(255)).toBe('10.0.1.0');
  });

  it('accepts every level kind: rules, formats, !regex, literals, and #N / val-spec values', () => {
    const p = parsePattern('/:region/:actual_desired/clusters/:clusterid/workers/:workerid/!dc[0-9]{2}/:state;#100');
    expect(patternCounts(p).keys).toBe(4 * 2 * 11);
    expect(p.value).toEqual({ kind: 'bytes', size: 100 });
    const t = new PatternTree(p, { driver: 3, seed: 's', root: '' });
    const k = t.key(0);
    expect(k).toMatch(/^\/us-south\/actual\/clusters\/[0-9]{2}[a-f0-9]{37}\/workers\/dev-mex01-[a-f0-9]{37}\/dc[0-9]{2}\/unprovisioned$/);
    // Random segments are stable for a (seed, driver), differ between drivers.
    expect(new PatternTree(p, { driver: 3, seed: 's', root: '' }).key(0)).toBe(k);
    expect(new PatternTree(p, { driver: 4, seed: 's', root: '' }).key(0)).not.toBe(k);
    // A rule's [N] is ignored, as the driver ignores it; a val-spec replaces the value.
    expect(patternCounts(parsePattern('/:region[2]/x;[a-z]{3}')).keys).toBe(4);
    expect(parsePattern('/a/%b-%d[3];[a-z]{3}', { min: 10, max: 30 }).value).toEqual({ kind: 'digits', min: 10, max: 30 });
    expect(patternCounts(parsePattern('/a/%b-%d;[a-z]')).keys).toBe(1);
    // A value regex may hold a slash: the key/value split is at the first `;`.
    expect(parsePattern('/a/b;x/y').value).toEqual({ kind: 'regex', regex: 'x/y' });
  });

  it('refuses a bad pattern with where and how to fix it', () => {
    const bad = (s: string) => {
      try {
        parsePattern(s);
      } catch (err) {
        expect(err).toBeInstanceOf(PatternSyntaxError);
        return err as PatternSyntaxError;
      }
      throw new Error(`accepted ${s}`);
    };
    expect(bad('/a/:nope/b;x').message).toContain(':nope');
    expect(bad('/a/:nope/b;x').fix).toContain(':region');
    expect(bad('/a/b').message).toContain('no value');
    expect(bad('/a/%x-%d-%d[2];x').message).toContain('more than one verb');
    expect(bad('/a/![a-;x').message).toContain('not a valid regex');
    expect(bad('/a/%x-%d[0];x').message).toContain('count of 0');
  });

  it('formats numbers like Go printf for one argument', () => {
    expect(compileFormat('level5-%040d')(7)).toBe(`level5-${'0'.repeat(39)}7`);
    expect(compileFormat('%d')(12)).toBe('12');
    expect(compileFormat('n%5d|')(42)).toBe('n   42|');
    expect(compileFormat('%-4d|')(42)).toBe('42  |');
    expect(compileFormat('%x/%%')(255)).toBe('ff/%');
    expect(compileFormat('%X')(255)).toBe('FF');
    expect(compileFormat('%04o')(8)).toBe('0010');
    expect(compileFormat('plain')(3)).toBe('plain');
  });

  it('generates values of the spec: regex matches, digit lengths in range, fixed-size bytes', () => {
    const rnd = seededRandom(42);
    const re = new PatternValues({ kind: 'regex', regex: '[0-9]{140,160}' }, rnd);
    for (let i = 0; i < 200; i++) expect(re.next().toString()).toMatch(/^[0-9]{140,160}$/);
    const digits = new PatternValues({ kind: 'digits', min: 1000, max: 10000 }, rnd);
    const lens = Array.from({ length: 500 }, () => digits.next().length);
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...lens)).toBeLessThanOrEqual(10000);
    expect(Math.max(...lens) - Math.min(...lens)).toBeGreaterThan(5000);
    expect(digits.next().toString()).toMatch(/^[0-9]+$/);
    expect(new PatternValues({ kind: 'bytes', size: 100 }, rnd).next().length).toBe(100);
  });
});
