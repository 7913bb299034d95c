import { httpGetText, type TlsMaterial } from '../../metrics/http-get.js';

/** HTTP(S) probes of a member's client URL; with TLS they present the cluster's client certificate. */
export async function memberHealth(url: string, tls?: TlsMaterial, timeoutMs = 1500): Promise<{ healthy: boolean; detail: string }> {
  try {
    const body = await httpGetText(`${url}/health`, { timeoutMs, ...(tls ? { tls } : {}) });
    return { healthy: /"health"\s*:\s*"true"/.test(body), detail: body.trim().slice(0, 200) };
  } catch (err) {
    return { healthy: false, detail: (err as Error).message };
  }
}

export async function memberVersion(url: string, tls?: TlsMaterial, timeoutMs = 1500): Promise<string | undefined> {
  try {
    const v = (JSON.parse(await httpGetText(`${url}/version`, { timeoutMs, ...(tls ? { tls } : {}) })) as { etcdserver?: unknown }).etcdserver;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** etcd_server_is_leader from /metrics (stop the leader last); false when it cannot be read. */
export async function memberIsLeader(url: string, tls?: TlsMaterial, timeoutMs = 1500): Promise<boolean> {
  try {
    return /^etcd_server_is_leader 1$/m.test(await httpGetText(`${url}/metrics`, { timeoutMs, ...(tls ? { tls } : {}) }));
  } catch {
    return false;
  }
}
