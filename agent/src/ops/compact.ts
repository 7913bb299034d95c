/**
 * Compaction at the newest revision the agent has seen minus `retain` (default 1000). Before any
 * revision is known, the operation reads one (a serializable count) and is recorded as `compact-skip`;
 * so is a compaction that would not move past the last one. Several agents compacting at once may see
 * OUT_OF_RANGE (another one compacted further first): that is what etcd answers, and it is counted.
 */
import type { OpSpec } from '@etcdlab/common';
import type { OpContext, OpExecutor } from './types.js';

export function compact(ctx: OpContext, spec: OpSpec): OpExecutor {
  const retain = spec.retain ?? 1000;
  const probe = Buffer.from(ctx.plan.keys.prefix);
  return async (_j, conn) => {
    const target = ctx.revisions.compactTarget(retain);
    if (target === undefined) {
      const res = await ctx.target.range({ key: probe, countOnly: true, serializable: true }, ctx.deadlineMs, conn);
      ctx.revisions.seen(res.header?.revision);
      return 'compact-skip';
    }
    ctx.revisions.compactedTo(target);
    const rev = await ctx.target.compact(target, spec.physical ?? false, ctx.deadlineMs, conn);
    ctx.revisions.seen(rev);
    return undefined;
  };
}
