import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { KubeResource } from '../kube/reflector.js';
import { intern, slimObject } from './objects.js';

it('slimObject keeps malformed fields as they came (the sources judge them), without throwing', () => {
  const odd = [
    { spec: { gateways: 'not-a-list', hosts: ['a.example.com'] } },
    { spec: { gateways: [7, null, 'gw'], hosts: ['a.example.com'] } },
    { spec: 'not-an-object' },
    { spec: null },
  ];
  for (const spec of odd) {
    const vs = { kind: 'VirtualService', metadata: { name: 'vs', namespace: 7 }, ...spec };
    const slim = slimObject('virtualServices', vs as unknown as KubeResource);
    const expected = typeof vs.spec === 'object' && vs.spec !== null ? vs.spec : undefined;
    assert.deepEqual(slim.spec, expected);
    assert.equal(slim.metadata?.namespace, 7);
  }
  for (const selector of [['istio'], 'istio', null, { istio: 5 }]) {
    const gw = { kind: 'Gateway', metadata: { name: 'gw' }, spec: { selector } };
    const slim = slimObject('istioGateways', gw);
    assert.deepEqual(slim.spec, { selector });
  }
});

it('intern answers the same value, and leaves anything but a short string alone', () => {
  const long = 'x'.repeat(65);
  for (const value of ['istio-system', '', long, 5, undefined, null, ['a']]) {
    assert.deepEqual(intern(value), value);
  }
  const parsed = JSON.parse('["networking.istio.io/v1","networking.istio.io/v1"]') as string[];
  assert.equal(intern(parsed[0]), intern(parsed[1]));
});
