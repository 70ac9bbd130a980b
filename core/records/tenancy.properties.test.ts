// Tenancy, as properties of the planner: whatever one namespace does with its own objects —
// any names, any routing, any creation time, changed any number of times — no record held
// for an object of another namespace is updated or deleted, no record set of that namespace
// joins a name another namespace holds, and no name outside its domains is published. The
// oracle reads ownership from the TXT labels on its own, not through the planner's code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Endpoint, OwnerResource } from './endpoint.js';
import { endpointKey } from './endpoint.js';
import { comparableForm } from './from-route53.js';
import { plan } from './plan.js';
import type { ResourceRecordSet } from './route53-types.js';
import { normalizeRoute53Name } from './route53-names.js';
import { parseTxtValue } from './txt-strings.js';
import { endpointArb } from './testing/endpoint-arbitraries.js';
import { OWNER_ID, ZONES, applyPlan, worldArb } from './testing/worlds.js';
import type { State } from './testing/worlds.js';
import { judgeName, type DomainPolicy } from '../tenancy/domain-policy.js';

const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) };
const TENANT = 'evil';

const TENANT_OWNERS: OwnerResource[] = [
  // Older than every other object: age alone must not win a name held for someone else.
  { kind: 'gateway', namespace: TENANT, name: 'old', creationTimestamp: '2000-01-01T00:00:00Z' },
  { kind: 'service', namespace: TENANT, name: 'svc', creationTimestamp: '2030-01-01T00:00:00Z' },
];

const tenantEndpointArb: fc.Arbitrary<Endpoint> = fc
  .tuple(endpointArb, fc.constantFrom(...TENANT_OWNERS))
  .map(([endpoint, owner]) => ({ ...endpoint, owner }));

const policyArb: fc.Arbitrary<DomainPolicy | undefined> = fc.option(
  fc.record({
    strict: fc.boolean(),
    domains: fc.subarray([
      { domain: 'example.com', namespaces: ['istio-system'] },
      { domain: 'www.example.com', namespaces: ['apps', 'shop'] },
      { domain: 'apps.example.com', namespaces: ['apps', 'e*'] },
      { domain: 'x.apps.example.com', namespaces: [] },
      { domain: 'other.org', namespaces: ['*'] },
    ]),
  }),
  { nil: undefined },
);

const name = (set: ResourceRecordSet) => normalizeRoute53Name(set.Name);
const keyOf = (set: ResourceRecordSet) => `${name(set)} ${set.Type} ${set.SetIdentifier ?? ''}`;

interface Held {
  zoneId: string;
  key: string;
  name: string;
  resource: string;
  /** The record and its TXT, as comparable forms. */
  forms: string[];
}

/** Our records (A/AAAA/CNAME) with the resource their ownership TXT names. */
function heldRecords(state: State): Held[] {
  const held: Held[] = [];
  for (const [zoneId, sets] of state) {
    const zone = ZONES.find((z) => z.Id.endsWith(zoneId));
    const zoneName = zone === undefined ? '' : normalizeRoute53Name(zone.Name);
    for (const set of sets) {
      if (!['A', 'AAAA', 'CNAME'].includes(set.Type)) continue;
      const n = name(set);
      const txtName = `${set.Type.toLowerCase()}-${n === zoneName ? '.' : ''}${n}`;
      const txt = sets.find(
        (t) => t.Type === 'TXT' && name(t) === txtName && t.SetIdentifier === set.SetIdentifier,
      );
      for (const value of txt?.ResourceRecords ?? []) {
        const text = parseTxtValue(value.Value);
        if (!text.startsWith(`heritage=aws-controller,aws-controller/owner=${OWNER_ID},`)) continue;
        const resource = /aws-controller\/resource=([^,]*)/.exec(text)?.[1];
        if (resource === undefined || txt === undefined) continue;
        held.push({
          zoneId,
          key: keyOf(set),
          name: n,
          resource,
          forms: [comparableForm(set), comparableForm(txt)],
        });
      }
    }
  }
  return held;
}

const namespaceOf = (resource: string) => resource.split('/')[1] ?? '';
const resourceOfOwner = (o: OwnerResource) => `${o.kind}/${o.namespace}/${o.name}`;

describe('tenancy properties', () => {
  it("one namespace's changes never touch, join or exceed what is not its own", () => {
    fc.assert(
      fc.property(
        worldArb,
        policyArb,
        fc.array(fc.array(tenantEndpointArb, { maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        ({ current, desired, options }, domainPolicy, steps) => {
          const opts = { ...options, ...(domainPolicy !== undefined && { domainPolicy }) };
          // The other namespaces' objects, settled first: they do not change from here on.
          const others = desired.filter((e) => e.owner.namespace !== TENANT);
          let state = applyPlan(current, plan(current, others, ZONES, opts));
          for (const step of steps) {
            const wantedByOthers = new Set(
              others.map((e) => `${endpointKey(e)} ${resourceOfOwner(e.owner)}`),
            );
            const protectedBefore = heldRecords(state).filter(
              (h) =>
                namespaceOf(h.resource) !== TENANT && wantedByOthers.has(`${h.key} ${h.resource}`),
            );
            const after = applyPlan(state, plan(state, [...others, ...step], ZONES, opts));
            const heldAfter = heldRecords(after);
            for (const h of protectedBefore) {
              const still = heldAfter.find((a) => a.zoneId === h.zoneId && a.key === h.key);
              assert.deepEqual(
                still?.forms,
                h.forms,
                `${h.key} in ${h.zoneId}, held for ${h.resource}, was changed by namespace ${TENANT}`,
              );
            }
            const othersNames = new Set(protectedBefore.map((h) => `${h.zoneId} ${h.name}`));
            for (const a of heldAfter.filter((x) => namespaceOf(x.resource) === TENANT)) {
              assert.ok(
                !othersNames.has(`${a.zoneId} ${a.name}`),
                `${TENANT} joined ${a.name} in ${a.zoneId}, held for another namespace`,
              );
              if (domainPolicy !== undefined) {
                assert.ok(
                  judgeName(domainPolicy, TENANT, a.name).allowed,
                  `${a.key} published for ${TENANT} outside its domains`,
                );
              }
            }
            state = after;
          }
        },
      ),
      RUNS,
    );
  });
});
