/**
 * etcd needs a majority: an even size tolerates no more failed members than the odd size below it, and
 * costs one more. Every provider says so (a warning, never a refusal: measuring 2 or 4 members is a
 * legitimate question).
 */
export function evenSizeWarning(members: number): string | undefined {
  return members % 2 === 0 ? `warning: ${members} members tolerate no more failures than ${members - 1}; odd sizes (1, 3, 5, 7) are recommended` : undefined;
}

/** Says evenSizeWarning's words through a provider's note, when there are any. */
export function warnEvenSize(members: number, note: (line: string) => void): void {
  const warning = evenSizeWarning(members);
  if (warning) note(warning);
}
