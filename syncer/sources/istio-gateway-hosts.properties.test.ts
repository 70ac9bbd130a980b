// Which names a Istio Gateway lets a VirtualService publish, read once into an index
// (istio.ts gatewayHostsFor / takesHost), against the rule as Istio states it and as the
// syncer judged it before the index: some server host entry whose namespace part admits the
// VirtualService's namespace matches the name (hostMatches: `*`, `*.suffix`, or exact).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hostMatches } from './common.js';
import { gatewayHostsFor, takesHost } from './istio.js';
import type { IstioGatewayObject, VirtualServiceObject } from './objects.js';

const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 500) };

/** The rule itself, one server host entry at a time. */
function allowsByScan(gateway: IstioGatewayObject, vs: VirtualServiceObject, host: string) {
  const vsNamespace = vs.metadata?.namespace ?? '';
  const gwNamespace = gateway.metadata?.namespace ?? '';
  return (gateway.spec?.servers ?? [])
    .flatMap((server) => server.hosts ?? [])
    .some((entry) => {
      const slash = entry.indexOf('/');
      const namespace = slash < 0 ? undefined : entry.slice(0, slash);
      const pattern = slash < 0 ? entry : entry.slice(slash + 1);
      const namespaceOk =
        namespace === undefined ||
        namespace === '*' ||
        namespace === vsNamespace ||
        (namespace === '.' && vsNamespace === gwNamespace);
      return namespaceOk && hostMatches(host, pattern.toLowerCase());
    });
}

// Few labels, so that names and patterns often meet: suffixes shared, wildcards at any depth.
const label = fc.constantFrom('a', 'b', 'shop', 'Example', 'com', '*', '');
const name = fc.array(label, { minLength: 0, maxLength: 4 }).map((labels) => labels.join('.'));
const namespace = fc.constantFrom('istio-system', 'team-a', 'team-b');
const entry = fc
  .tuple(fc.constantFrom(undefined, '*', '.', 'team-a', 'team-b', 'istio-system'), name)
  .map(([ns, host]) => (ns === undefined ? host : `${ns}/${host}`));
const gateway = fc
  .record({
    ns: namespace,
    servers: fc.array(fc.array(entry, { maxLength: 5 }), { maxLength: 3 }),
  })
  .map(({ ns, servers }): IstioGatewayObject => ({
    kind: 'Gateway',
    metadata: { namespace: ns, name: 'gw' },
    spec: { servers: servers.map((hosts) => ({ hosts })) },
  }));
const virtualService = namespace.map((ns): VirtualServiceObject => ({
  kind: 'VirtualService',
  metadata: { namespace: ns, name: 'vs' },
}));

describe('the names an Istio Gateway lets a VirtualService publish', () => {
  it('are those some server host entry admits, judged one entry at a time', () => {
    fc.assert(
      fc.property(gateway, virtualService, fc.array(name, { maxLength: 8 }), (gw, vs, names) => {
        const hosts = gatewayHostsFor(gw, vs);
        // The gateway's own patterns as names too: `*.example.com` asked for itself.
        const asked = [...names, ...(gw.spec?.servers ?? []).flatMap((s) => s.hosts ?? [])];
        for (const raw of asked) {
          const host = raw.slice(raw.indexOf('/') + 1).toLowerCase();
          assert.equal(
            takesHost(hosts, host),
            allowsByScan(gw, vs, host),
            `${host} on ${JSON.stringify(gw.spec)} for ${vs.metadata?.namespace}`,
          );
        }
      }),
      RUNS,
    );
  });

  it('takes a wildcard at any depth, itself, and nothing above it', () => {
    const gw: IstioGatewayObject = {
      kind: 'Gateway',
      metadata: { namespace: 'istio-system', name: 'gw' },
      spec: { servers: [{ hosts: ['*/*.Apps.example.com', 'team-b/only-b.example.com'] }] },
    };
    const vs: VirtualServiceObject = {
      kind: 'VirtualService',
      metadata: { namespace: 'team-a', name: 'vs' },
    };
    const hosts = gatewayHostsFor(gw, vs);
    assert.equal(takesHost(hosts, 'x.apps.example.com'), true);
    assert.equal(takesHost(hosts, 'x.y.apps.example.com'), true);
    assert.equal(takesHost(hosts, '*.apps.example.com'), true);
    assert.equal(takesHost(hosts, 'apps.example.com'), false);
    assert.equal(takesHost(hosts, 'only-b.example.com'), false, 'team-b only');
  });
});
