/**
 * etcd needs a majority: an even size tolerates no more failed members than the odd size below it, and
 * costs one more. Every provider says so (a warning, never a refusal: measuring 2 or 4 members is a
 * legitimate question).
 */
export function evenSizeWarning(members: number): string | undefined {
  return members % 2 === 0 ? `warning: ${members} members tolerate no more failures than ${members - 1}; odd sizes (1, 3, 5, 7) are recommended` : undefined;
}
