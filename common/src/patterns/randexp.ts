import randexpModule from 'randexp';

type RandExpClass = typeof import('randexp').default;
// randexp is CommonJS (module.exports = RandExp) but its typings declare an ES default export; under
// NodeNext the default import is module.exports itself, so unwrap whichever shape arrives.
export const RandExp = ((randexpModule as unknown as { default?: RandExpClass }).default ?? randexpModule) as unknown as RandExpClass;
export type RandExpInstance = InstanceType<RandExpClass>;

/** A generator for `regex` whose choices come from `random` (seedable). */
export function regexGenerator(regex: string, random: () => number): RandExpInstance {
  const gen = new RandExp(regex);
  gen.randInt = (a: number, b: number) => a + Math.floor(random() * (b - a + 1));
  return gen;
}
