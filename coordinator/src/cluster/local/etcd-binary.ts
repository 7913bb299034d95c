/**
 * Locating the etcd server binary for the local provider: ETCD_BIN wins, then `etcd` on PATH.
 * Failures are InputErrors (exit 2) because the fix is on the user's side: install or point at etcd.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, InputError } from '@etcdlab/common';

export interface EtcdBinary {
  path: string;
  version: string;
}

const INSTALL_FIX =
  'install Debian\'s etcd-server (`apt-get install etcd-server`), or set ETCD_BIN to an etcd binary, or put etcd on PATH';

/** True when `file` is a regular file this process may execute. */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks an explicitly given etcd path (the etcdBin option) without running it: a broken binary then shows
 * up as a member start failure with its own output, which says more than a generic "not found".
 */
export async function checkEtcdBinary(file: string, source = 'etcdBin'): Promise<string> {
  const abs = path.resolve(file);
  if (!(await isExecutableFile(abs))) {
    throw new InputError(ErrorCodes.etcdNotFound, `etcd binary ${abs} (${source}) is not an executable file`, [
      { field: source, message: `${abs} does not exist or is not executable`, fix: `point it at an etcd binary, or ${INSTALL_FIX}` },
    ]);
  }
  return abs;
}

/** Finds etcd (ETCD_BIN, else PATH) and reads its version from `etcd --version`. */
export async function findEtcdBinary(env: NodeJS.ProcessEnv = process.env): Promise<EtcdBinary> {
  const fromEnv = env.ETCD_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    const abs = path.resolve(fromEnv);
    if (!(await isExecutableFile(abs))) {
      throw new InputError(ErrorCodes.etcdNotFound, `ETCD_BIN=${fromEnv} is not an executable file`, [
        {
          field: 'ETCD_BIN',
          message: `${abs} does not exist or is not executable`,
          fix: `set ETCD_BIN to the path of an etcd binary (e.g. /usr/bin/etcd), or unset it to use etcd from PATH; to get one, ${INSTALL_FIX}`,
        },
      ]);
    }
    return { path: abs, version: await readVersion(abs, 'ETCD_BIN') };
  }

  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, 'etcd');
    if (await isExecutableFile(candidate)) {
      return { path: candidate, version: await readVersion(candidate, 'PATH') };
    }
  }

  throw new InputError(ErrorCodes.etcdNotFound, 'no etcd binary found (ETCD_BIN is not set and etcd is not on PATH)', [
    { field: 'ETCD_BIN', message: 'the local provider runs etcd members as processes on this machine', fix: INSTALL_FIX },
  ]);
}

/** Runs `<bin> --version` and returns e.g. `3.4.23`. */
async function readVersion(bin: string, source: string): Promise<string> {
  const { code, output } = await new Promise<{ code: number | string | null; output: string }>((resolve) => {
    execFile(bin, ['--version'], { timeout: 10_000, env: {} }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err === null) resolve({ code: 0, output: out });
      else resolve({ code: (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null, output: out || err.message });
    });
  });
  const match = /etcd Version:\s*(\S+)/.exec(output);
  if (code !== 0 || match?.[1] === undefined) {
    throw new InputError(ErrorCodes.etcdNotFound, `${bin} (from ${source}) does not look like a working etcd`, [
      {
        field: source,
        message: `\`${bin} --version\` ${code === 0 ? 'printed no etcd version' : `failed (${String(code)})`}: ${output.trim().slice(0, 300)}`,
        fix: `point ${source === 'ETCD_BIN' ? 'ETCD_BIN' : 'PATH'} at a working etcd binary; to get one, ${INSTALL_FIX}`,
      },
    ]);
  }
  return match[1];
}
