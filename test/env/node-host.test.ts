import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inNodeNetns, networkCommands, NODE_NETWORK } from './node-network.js';
import { mountsUnder } from './node-teardown.js';

describe('node network', () => {
  it('joins the namespace to the host by one veth and routes only Pods and Services into it', () => {
    const commands = networkCommands().map((c) => c.join(' '));
    const hostRoutes = commands.filter((c) => c.startsWith('route add'));
    assert.deepEqual(hostRoutes, [
      `route add ${NODE_NETWORK.podCidr} via ${NODE_NETWORK.nodeIp} dev ${NODE_NETWORK.hostInterface}`,
      `route add ${NODE_NETWORK.serviceCidr} via ${NODE_NETWORK.nodeIp} dev ${NODE_NETWORK.hostInterface}`,
    ]);
    assert.ok(!commands.some((c) => c.includes('default')), 'no default route anywhere');
    assert.equal(commands[0], `netns add ${NODE_NETWORK.netns}`);
  });

  it('runs commands in the network namespace only, not a new mount namespace', () => {
    assert.deepEqual(inNodeNetns('/bin/kubelet', ['--v=1']), [
      'nsenter',
      `--net=/run/netns/${NODE_NETWORK.netns}`,
      '--',
      '/bin/kubelet',
      '--v=1',
    ]);
  });
});

describe('mountsUnder', () => {
  const line = (point: string) => `36 25 0:32 / ${point} rw,relatime shared:1 - tmpfs tmpfs rw`;
  const mountinfo = [
    line('/'),
    line('/work/env/node'),
    line('/work/env/node/kubelet/pods/a/volumes/x'),
    line('/work/env/node/containerd/state/run/sandbox/shm'),
    line('/work/env/nodeother'),
    line('/work/env/node/with\\040space'),
    line('/work/env/node/kubelet/pods/a/volumes/x'),
  ].join('\n');

  it('finds mounts at and under the folder, deepest first, once each, unescaped', () => {
    assert.deepEqual(mountsUnder(mountinfo, '/work/env/node'), [
      '/work/env/node/containerd/state/run/sandbox/shm',
      '/work/env/node/kubelet/pods/a/volumes/x',
      '/work/env/node/with space',
      '/work/env/node',
    ]);
  });

  it('never matches a sibling that only shares the prefix', () => {
    assert.ok(!mountsUnder(mountinfo, '/work/env/node').includes('/work/env/nodeother'));
    assert.deepEqual(mountsUnder(mountinfo, '/elsewhere'), []);
  });
});
