import { describe, expect, it } from 'vitest';
import { agentContainerName, agentContainerSpec } from '../src/fleet/containers/agent-containers.js';
import { AGENT_BUNDLE_PATH, AGENT_NODE_PATH, agentImageTag, agentRootfsLayout } from '../src/fleet/containers/agent-image.js';
import { gatewayOf, inNetworkEndpoints } from '../src/fleet/containers/agents-in-containers.js';

describe('agents in containers (pure parts)', () => {
  it('agent container spec: token in the environment, dial-in args, labels, the cluster network', () => {
    const spec = agentContainerSpec({ cluster: 'c1', image: 'etcdlab/agent:0.1.0-abc', network: 'c1-net', runId: '20261121-010203-ab12', agentId: 'agent-2', coordinatorUrl: 'http://198.18.7.1:40123', token: 's3cret' });
    expect(spec.name).toBe('c1-agent-2-20261121-010203-ab12');
    expect(spec.Image).toBe('etcdlab/agent:0.1.0-abc');
    expect(spec.Cmd).toEqual(['--coordinator', 'http://198.18.7.1:40123', '--id', 'agent-2', '--exit-on-run-end', '--orphan-timeout', '30', '--spool-dir', '/tmp/etcdlab-spool']);
    expect(spec.Cmd?.join(' ')).not.toContain('s3cret');
    expect(spec.Env).toEqual(['ETCDLAB_TOKEN=s3cret']);
    expect(spec.Labels).toEqual({ 'etcdlab.cluster': 'c1', 'etcdlab.role': 'agent', 'etcdlab.agent': 'agent-2', 'etcdlab.run': '20261121-010203-ab12' });
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'c1-net', RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    expect(spec.HostConfig?.AutoRemove).toBeUndefined();
    expect(agentContainerName('c', 'agent-1', 'run:1/x')).toBe('c-agent-1-run-1-x');
  });

  it('in-network endpoints use container names and the client port; the gateway is the first IPv4 one', () => {
    expect(inNetworkEndpoints([{ container: 'c1-etcd-1', tls: false }, { container: 'c1-etcd-2', tls: false }], 2379)).toEqual(['http://c1-etcd-1:2379', 'http://c1-etcd-2:2379']);
    expect(inNetworkEndpoints([{ container: 'c1-etcd-1', tls: true }], 2379)).toEqual(['https://c1-etcd-1:2379']);
    expect(gatewayOf({ Config: [{ Gateway: 'fd00::1' }, { Gateway: '198.18.9.1' }] })).toBe('198.18.9.1');
    expect(gatewayOf({ Config: [{}] })).toBeUndefined();
    expect(gatewayOf({ Config: [{ Subnet: '198.18.42.0/24' }] })).toBe('198.18.42.1');
    expect(gatewayOf(undefined)).toBeUndefined();
  });

  it('agent image: tag from tool version and bundle hash; node, bundle and libraries with their folders', () => {
    expect(agentImageTag('0123456789abcdef0123', '1.2.3')).toBe('etcdlab/agent:1.2.3-0123456789ab');
    const { files, dirs } = agentRootfsLayout('/usr/bin/node', '/repo/build/agent/etcdlab-agent.cjs', ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6']);
    expect(files.map((f) => [f.source, f.target])).toEqual([
      ['/usr/bin/node', AGENT_NODE_PATH.slice(1)],
      ['/repo/build/agent/etcdlab-agent.cjs', AGENT_BUNDLE_PATH.slice(1)],
      ['/lib/x86_64-linux-gnu/libc.so.6', 'lib/x86_64-linux-gnu/libc.so.6'],
      ['/lib64/ld-linux-x86-64.so.2', 'lib64/ld-linux-x86-64.so.2'],
    ]);
    const names = dirs.map((d) => d.target);
    for (const d of ['tmp', 'etc', 'usr', 'usr/local', 'usr/local/bin', 'opt', 'opt/etcdlab', 'lib', 'lib/x86_64-linux-gnu', 'lib64']) expect(names).toContain(d);
    expect(names.indexOf('usr')).toBeLessThan(names.indexOf('usr/local/bin'));
    expect(dirs.find((d) => d.target === 'tmp')?.mode).toBe(0o1777);
  });
});
