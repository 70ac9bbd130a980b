import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ELB_ZONES, awsAliasTarget } from './alias-targets.js';
import { KNOWN_REGIONS } from './regions.js';

describe('ELB_ZONES', () => {
  it('has both columns for every region this version knows, and no other', () => {
    assert.deepEqual(Object.keys(ELB_ZONES).sort(), [...KNOWN_REGIONS].sort());
    for (const [region, [albClb, nlb]] of Object.entries(ELB_ZONES)) {
      assert.match(albClb, /^Z[0-9A-Z]{8,31}$/, `${region} ALB/CLB`);
      assert.match(nlb, /^Z[0-9A-Z]{8,31}$/, `${region} NLB`);
      assert.notEqual(albClb, nlb, `${region}: ALB/CLB and NLB zones differ everywhere`);
    }
  });

  it('has the zones AWS publishes for eu-north-1 (the ALB/CLB one was wrong once)', () => {
    assert.deepEqual(ELB_ZONES['eu-north-1'], ['Z23TAZ6LKFMNIO', 'Z1UDT6IFJ4EJM']);
  });

  it('has no zone twice within a column (a copy-paste slip would repeat one)', () => {
    for (const column of [0, 1] as const) {
      const zones = Object.values(ELB_ZONES).map((pair) => pair[column]);
      assert.equal(new Set(zones).size, zones.length);
    }
  });
});

describe('awsAliasTarget', () => {
  const cases: { hostname: string; want: ReturnType<typeof awsAliasTarget> }[] = [
    {
      hostname: 'k8s-istio-abc-123.eu-north-1.elb.amazonaws.com',
      want: { kind: 'elb', region: 'eu-north-1', hostedZoneId: 'Z23TAZ6LKFMNIO' },
    },
    {
      hostname: 'dualstack.internal-k8s-abc-123.ap-southeast-7.elb.amazonaws.com',
      want: { kind: 'elb', region: 'ap-southeast-7', hostedZoneId: 'Z0390008CMBRTHFGWBCB' },
    },
    {
      hostname: 'k8s-istio-abc-0123456789.elb.mx-central-1.amazonaws.com',
      want: { kind: 'nlb', region: 'mx-central-1', hostedZoneId: 'Z02031231H3ID6HYJ9A7U' },
    },
    {
      hostname: 'a-1.cn-north-1.elb.amazonaws.com.cn',
      want: { kind: 'elb', region: 'cn-north-1', hostedZoneId: 'Z1GDH35T77C1KE' },
    },
    {
      hostname: 'k8s-abc-123.xx-nowhere-9.elb.amazonaws.com',
      want: { kind: 'elb', region: 'xx-nowhere-9', hostedZoneId: undefined },
    },
    {
      hostname: 'k8s-abc-123.elb.xx-nowhere-9.amazonaws.com',
      want: { kind: 'nlb', region: 'xx-nowhere-9', hostedZoneId: undefined },
    },
    {
      hostname: 'd111111abcdef8.cloudfront.net',
      want: { kind: 'cloudfront', hostedZoneId: 'Z2FDTNDATAQYW2' },
    },
    {
      hostname: 'a1234567890abcdef.awsglobalaccelerator.com',
      want: { kind: 'global-accelerator', hostedZoneId: 'Z2BJ6XQ5FK7U4H' },
    },
    { hostname: 'lb.example.com', want: undefined },
  ];
  for (const { hostname, want } of cases) {
    it(hostname, () => assert.deepEqual(awsAliasTarget(hostname), want));
  }
});
