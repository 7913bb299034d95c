import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import workspace packages from source, so unit tests need no build. Integration tests that start
// agent or CLI processes use the built output (scripts/test.sh builds first).
const alias = {
  '@etcdlab/common': src('./common/src/index.ts'),
  '@etcdlab/agent/etcd': src('./agent/src/etcd/index.ts'),
  '@etcdlab/agent': src('./agent/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['{common,agent,coordinator}/test/**/*.test.ts'], exclude: ['**/*.integration.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'] },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['{common,agent,coordinator}/test/**/*.{integration,e2e}.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests start real etcd members and processes; on 2 cores they run one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
