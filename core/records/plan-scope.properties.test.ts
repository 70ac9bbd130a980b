// Planning part of the names (plan-scope.ts) against the whole plan, over generated worlds
// (ours, another controller's, external-dns's and foreign records, drift, a zone unlisted),
// domain policies and objects skipped whole: the families planned apart and merged are the
// whole plan; and after endpoints change at some names, planning the scope of those names
// gives what the whole new plan has there, while the whole plan elsewhere is unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { endpointKey, resourceOf, type Endpoint } from './endpoint.js';
import { plan, type Plan, type PlanOptions } from './plan.js';
import {
  familiesByGuardedName,
  familiesByUnion,
  mergePlans,
  nameFamilies,
  namesInScope,
  relatedNames,
} from './plan-scope.js';
import { runSteps } from './steps.js';
import type { ResourceRecordSet } from './route53-types.js';
import { bareZoneId, normalizeRoute53Name } from './route53-names.js';
import { externalDnsTxtNames, type ExternalDnsTxtNaming } from './ownership.js';
import { eligibleZones } from './zones.js';
import { endpointArb, OWNERS } from './testing/endpoint-arbitraries.js';
import { EXTERNAL_DNS_OWNER, worldArb, ZONES, type World } from './testing/worlds.js';
import type { DomainPolicy } from '../tenancy/domain-policy.js';

const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) };
const ZONE_NAMES = ZONES.map((z) => normalizeRoute53Name(z.Name));

const policyArb: fc.Arbitrary<DomainPolicy | undefined> = fc.option(
  fc.record({
    strict: fc.boolean(),
    domains: fc.subarray([
      { domain: 'example.com', namespaces: ['istio-system'] },
      { domain: 'www.example.com', namespaces: ['apps', 'shop'] },
      { domain: 'apps.example.com', namespaces: ['apps'] },
      { domain: 'other.org', namespaces: ['*'] },
    ]),
  }),
  { nil: undefined },
);
const unreadableArb = fc.subarray(OWNERS.map(resourceOf), { maxLength: 1 });

type Current = ReadonlyMap<string, readonly ResourceRecordSet[]>;
const nameOfSet = (set: ResourceRecordSet) => normalizeRoute53Name(set.Name);

function restrict(current: Current, names: ReadonlySet<string>): Map<string, ResourceRecordSet[]> {
  return new Map(
    [...current].map(([zone, sets]) => [zone, sets.filter((s) => names.has(nameOfSet(s)))]),
  );
}

/** A plan as comparable text, kept to the names `within` accepts. */
function summary(result: Plan, within: (name: string) => boolean = () => true) {
  return {
    changes: result.zones
      .flatMap((z) =>
        z.groups.flat().map((c) => ({ zone: z.zoneId, name: nameOfSet(c.ResourceRecordSet), c })),
      )
      .filter((x) => within(x.name))
      .map((x) => `${x.zone} ${JSON.stringify(x.c)}`)
      .sort(),
    decisions: result.zones
      .flatMap((z) => z.decisions.map((d) => ({ zone: z.zoneId, d })))
      .filter((x) => within((x.d.record.split(' ')[1] ?? '').replace(/,$/, '')))
      .map((x) => `${x.zone} ${JSON.stringify(x.d)}`)
      .sort(),
    refused: result.refused
      .filter((r) => within(r.endpoint.name))
      .map(
        (r) =>
          `${r.reason} ${r.zoneId ?? ''} ${endpointKey(r.endpoint)} ${resourceOf(r.endpoint.owner)} ${r.message}`,
      )
      .sort(),
    conflicts: result.conflicts
      .filter((c) => within(c.loser.name))
      .map((c) => `${endpointKey(c.loser)} ${resourceOf(c.loser.owner)} ${c.message}`)
      .sort(),
  };
}

const allNames = (current: Current, desired: readonly Endpoint[]) =>
  new Set([...[...current.values()].flat().map(nameOfSet), ...desired.map((e) => e.name)]);

const wantedOf = (desired: readonly Endpoint[]) =>
  desired.map((e) => ({ name: e.name, type: e.type, alias: e.alias !== undefined }));

/** external-dns namings other than its default, for the families they join. */
const namingArb = fc.constantFrom<ExternalDnsTxtNaming | undefined>(
  undefined,
  { prefix: 'edns-', suffix: '', wildcardReplacement: '' },
  { prefix: '%{record_type}-txt.', suffix: '', wildcardReplacement: 'any' },
  { prefix: '', suffix: '-owner', wildcardReplacement: '' },
);

/** The world with `naming` in its options and external-dns's labels where that naming puts
 * them, for every `every`-th desired endpoint (in each zone holding the name): the worlds
 * themselves place external-dns's TXTs by its default naming only. */
function underNaming(world: World, naming: ExternalDnsTxtNaming | undefined, every: number): World {
  if (naming === undefined) return world;
  const current = new Map([...world.current].map(([zone, sets]) => [zone, [...sets]]));
  world.desired.forEach((endpoint, i) => {
    if (i % every !== 0) return;
    for (const zone of ZONES) {
      const sets = current.get(bareZoneId(zone.Id));
      const zoneName = normalizeRoute53Name(zone.Name);
      if (
        sets === undefined ||
        !(endpoint.name === zoneName || endpoint.name.endsWith(`.${zoneName}`))
      )
        continue;
      for (const txtName of externalDnsTxtNames(
        endpoint.name,
        endpoint.type,
        endpoint.alias !== undefined,
        naming,
      )) {
        if (sets.some((set) => nameOfSet(set) === txtName)) continue;
        sets.push({
          Name: `${txtName}.`,
          Type: 'TXT',
          TTL: 300,
          ResourceRecords: [
            {
              Value: `"heritage=external-dns,external-dns/owner=${EXTERNAL_DNS_OWNER},external-dns/resource=service/x/y"`,
            },
          ],
        });
      }
    }
  });
  return { ...world, current, options: { ...world.options, externalDnsTxtNaming: naming } };
}

/** Whether some part holds a desired name together with a TXT name only `naming` gives it. */
function joinedByNaming(
  parts: readonly string[][],
  desired: readonly Endpoint[],
  naming: ExternalDnsTxtNaming,
): boolean {
  return desired.some((e) => {
    const own = new Set(externalDnsTxtNames(e.name, e.type, e.alias !== undefined));
    const theirs = externalDnsTxtNames(e.name, e.type, e.alias !== undefined, naming);
    return parts.some(
      (part) => part.includes(e.name) && theirs.some((t) => !own.has(t) && part.includes(t)),
    );
  });
}

describe('planning part of the names', () => {
  it('plans every family apart and merges them into the whole plan', () => {
    // Worlds under an external-dns naming of its own that joined a name to a TXT name only
    // that naming gives it: the families found by union, not by the guarded-name trees.
    let joined = 0;
    fc.assert(
      fc.property(
        worldArb,
        policyArb,
        unreadableArb,
        fc.integer({ min: 1, max: 6 }),
        namingArb,
        fc.integer({ min: 1, max: 3 }),
        (world, domainPolicy, unreadable, partSize, naming, every) => {
          const { current, desired, options } = underNaming(world, naming, every);
          const opts: PlanOptions = { ...options, ...(domainPolicy && { domainPolicy }) };
          const whole = plan(current, desired, ZONES, opts, new Set(unreadable));
          const names = nameFamilies(
            allNames(current, desired),
            wantedOf(desired),
            partSize,
            opts.externalDnsTxtNaming,
          );
          if (naming !== undefined && joinedByNaming(names, desired, naming)) joined++;
          const parts = names.map((names) => {
            const inPart = new Set(names);
            return plan(
              restrict(current, inPart),
              desired.filter((e) => inPart.has(e.name)),
              ZONES,
              opts,
              new Set(unreadable),
            );
          });
          const merged = mergePlans(
            parts,
            eligibleZones(ZONES, opts).map((z) => z.id),
          );
          assert.deepEqual(summary(merged), summary(whole));
          assert.deepEqual(merged.unlistedZones, whole.unlistedZones);
          // The groups keep the whole plan's order (same-zone aliases last, then by name).
          assert.deepEqual(
            merged.zones.map((z) => [
              z.zoneId,
              z.groups.map((g) => JSON.stringify(g.map((c) => nameOfSet(c.ResourceRecordSet)))),
            ]),
            whole.zones.map((z) => [
              z.zoneId,
              z.groups.map((g) => JSON.stringify(g.map((c) => nameOfSet(c.ResourceRecordSet)))),
            ]),
          );
        },
      ),
      RUNS,
    );
    assert.ok(joined > 0, `joined by a naming of its own: ${joined}`);
  });

  it('merges a part whose zone holds more groups than a spread of arguments can carry', () => {
    const create = (i: number) => [
      {
        Action: 'CREATE' as const,
        ResourceRecordSet: {
          Name: `n${i}.example.com`,
          Type: 'A' as const,
          TTL: 300,
          ResourceRecords: [{ Value: '10.0.0.1' }],
        },
      },
    ];
    const part = (from: number, count: number): Plan => ({
      zones: [
        {
          zoneId: 'Z1',
          zoneName: 'example.com',
          private: false,
          groups: Array.from({ length: count }, (_, i) => create(from + i)),
          decisions: [],
        },
      ],
      refused: [],
      conflicts: [],
      unlistedZones: [],
    });
    const merged = mergePlans([part(0, 1), part(1, 150_000)], ['Z1']);
    assert.equal(merged.zones[0]?.groups.length, 150_001);
  });

  it('replans the scope of the names that changed as the whole plan would, and nothing else moves', () => {
    fc.assert(
      fc.property(
        worldArb,
        policyArb,
        unreadableArb,
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(endpointArb, { maxLength: 3 }),
        namingArb,
        (world, domainPolicy, unreadable, dropped, added, naming) => {
          const { current, desired, options } = underNaming(world, naming, 2);
          const opts: PlanOptions = { ...options, ...(domainPolicy && { domainPolicy }) };
          const gone = new Set(dropped.map((i) => desired[i % Math.max(desired.length, 1)]));
          const next = [...desired.filter((e) => !gone.has(e)), ...added];
          const changed = new Set([...gone, ...added].flatMap((e) => (e ? [e.name] : [])));
          const names = allNames(current, next);
          const scope = namesInScope(
            changed,
            (n) => names.has(n),
            ZONE_NAMES,
            opts.externalDnsTxtNaming,
          );
          // With the TXT names of the scope's names, where the plan may create them.
          const reach = new Set(scope);
          for (const n of scope) {
            for (const r of relatedNames(n, ZONE_NAMES, opts.externalDnsTxtNaming)) reach.add(r);
          }
          const before = plan(current, desired, ZONES, opts, new Set(unreadable));
          const after = plan(current, next, ZONES, opts, new Set(unreadable));
          const partial = plan(
            restrict(current, scope),
            next.filter((e) => scope.has(e.name)),
            ZONES,
            opts,
            new Set(unreadable),
          );
          assert.deepEqual(
            summary(partial),
            summary(after, (n) => reach.has(n)),
          );
          assert.deepEqual(
            summary(after, (n) => !reach.has(n)),
            summary(before, (n) => !reach.has(n)),
          );
        },
      ),
      RUNS,
    );
  });
});

describe('families under the default naming', () => {
  it('are the trees of guarded names, as the union of each name with what it guards', () => {
    // Names and the TXT names that guard them, chained (a TXT name guarding a TXT name), with
    // some links missing: a TXT whose record is gone, a record without its TXT.
    const base = fc.constantFrom('www.example.com', 'example.com', 'app-1.example.com', 'a.b.c');
    const prefix = fc.constantFrom('', 'a-', 'aaaa-', 'cname-', 'txt-', 'A-', 'a-.');
    const name = fc
      .tuple(fc.array(prefix, { maxLength: 3 }), base)
      .map(([prefixes, b]) => prefixes.join('') + b);
    let joined = 0;
    fc.assert(
      fc.property(fc.array(name, { maxLength: 12 }), (names) => {
        const byTrees = [...runSteps(familiesByGuardedName(names))];
        assert.deepEqual(byTrees, [...runSteps(familiesByUnion(names, [], undefined))]);
        if (byTrees.some((family) => family.length > 1)) joined++;
      }),
      { numRuns: 1000 },
    );
    // Not vacuous: families of more than one name were formed.
    assert.ok(joined > 0, `joined ${joined}`);
  });
});
