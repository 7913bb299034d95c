import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, EtcdlabError } from '@etcdlab/common';
import { repoRoot } from '../../paths.js';

export interface AgentBundle {
  file: string;
  sha256: string;
  bytes: number;
}

/** Where the bundle is written: build/agent/ at the repository root (ignored by git). */
export const bundlePath = (root: string = repoRoot): string => path.join(root, 'build', 'agent', 'etcdlab-agent.cjs');

/**
 * The agent as one file (esbuild, from agent/src/main.ts with every dependency inlined) so a host needs
 * nothing but a Node.js runtime. CommonJS output: the agent's dependencies are CommonJS and an ESM
 * bundle would need a `require` shim for Node's built-ins. Rebuilt on every install (about a second),
 * so it always matches the sources.
 */
export async function buildAgentBundle(root: string = repoRoot): Promise<AgentBundle> {
  const entry = path.join(root, 'agent', 'src', 'main.ts');
  const file = bundlePath(root);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new EtcdlabError(ErrorCodes.agentBundleFailed, `esbuild is not installed, so the agent cannot be bundled (${(err as Error).message})`, {
      problems: [{ message: 'esbuild is a development dependency of etcdlab', fix: 'run npm ci (or scripts/setup.sh) in the etcdlab checkout' }],
    });
  }
  if (!(await stat(entry).catch(() => undefined))) {
    throw new EtcdlabError(ErrorCodes.agentBundleFailed, `the agent sources are missing (${entry})`, { problems: [{ message: entry, fix: 'run etcdlab from a full checkout of the repository' }] });
  }
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      // The shared package from its sources too, so the bundle never picks up a stale build.
      alias: { '@etcdlab/common': path.join(root, 'common', 'src', 'index.ts') },
      logLevel: 'silent',
      banner: { js: '// etcdlab-agent, bundled by `etcdlab agents install`' },
    });
  } catch (err) {
    throw new EtcdlabError(ErrorCodes.agentBundleFailed, `bundling the agent failed: ${(err as Error).message}`, { problems: [{ message: entry, fix: 'build the project (npx tsc -b coordinator agent common) and check the agent compiles' }] });
  }
  const data = await readFile(file);
  return { file, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}
