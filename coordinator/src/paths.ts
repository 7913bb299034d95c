import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: two levels up from this file in both src/ (tests) and dist/ (built). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const workloadsDir = join(repoRoot, 'workloads');
export const defaultSuite = join(workloadsDir, 'suite.yaml');
