// The planner's promises, checked on generated worlds (testing/worlds.ts) against a strict
// Route 53 stand-in (testing/route53-simulator.ts). The oracle here reads ownership on its
// own (string matching on the contract), not through the planner's code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveConflicts } from './conflicts.js';
import type { HeldRecord, Holders } from './incumbents.js';
import { endpointKey } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { comparableForm } from './from-route53.js';
import { plan } from './plan.js';
import type { Plan, PlanOptions } from './plan.js';
import type { ResourceRecordSet } from './route53-types.js';
import { normalizeRoute53Name } from './route53-names.js';
import { toRecordSet } from './to-route53.js';
import { parseTxtValue } from './txt-strings.js';
import { EXTERNAL_DNS_OWNER, OWNER_ID, ZONES, applyPlan, worldArb } from './testing/worlds.js';
import type { State } from './testing/worlds.js';
import { eligibleZones, nameInFilter, zonesForName } from './zones.js';

const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 150) };

const name = (set: ResourceRecordSet) => normalizeRoute53Name(set.Name);
const keyOf = (set: ResourceRecordSet) => `${name(set)} ${set.Type} ${set.SetIdentifier ?? ''}`;
const texts = (set: ResourceRecordSet) =>
  (set.ResourceRecords ?? []).map((r) => parseTxtValue(r.Value));

const hasLabel = (set: ResourceRecordSet, heritage: string, owner: string) =>
  set.Type === 'TXT' &&
  texts(set).some((t) => t.startsWith(`heritage=${heritage},${heritage}/owner=${owner},`));

/** The TXT name the contract gives a record: first label prefixed, `<type>-.` at an apex. */
function txtNameOf(set: ResourceRecordSet, zoneName: string): string {
  const n = name(set);
  const prefix = `${set.Type.toLowerCase()}-`;
  return n === zoneName ? `${prefix}.${n}` : `${prefix}${n}`;
}

/** Records (A/AAAA/CNAME) our TXT guards, by key, as comparable forms. */
function oursIn(sets: readonly ResourceRecordSet[], zoneName: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const set of sets) {
    if (!['A', 'AAAA', 'CNAME'].includes(set.Type)) continue;
    const guard = sets.find(
      (t) =>
        t.Type === 'TXT' &&
        name(t) === txtNameOf(set, zoneName) &&
        t.SetIdentifier === set.SetIdentifier &&
        hasLabel(t, 'aws-controller', OWNER_ID),
    );
    if (guard !== undefined) out.set(keyOf(set), comparableForm(set));
  }
  return out;
}

/** Record sets the planner may touch: ours, our TXTs, and with adoption the adopted owner's. */
function touchable(
  set: ResourceRecordSet,
  sets: readonly ResourceRecordSet[],
  zoneName: string,
  options: PlanOptions,
): boolean {
  if (hasLabel(set, 'aws-controller', OWNER_ID)) return true;
  if (oursIn(sets, zoneName).has(keyOf(set))) return true;
  if (options.adoptExternalDnsOwner === undefined) return false;
  if (hasLabel(set, 'external-dns', EXTERNAL_DNS_OWNER)) return true;
  return (
    ['A', 'AAAA', 'CNAME'].includes(set.Type) &&
    sets.some(
      (t) =>
        hasLabel(t, 'external-dns', EXTERNAL_DNS_OWNER) &&
        t.SetIdentifier === set.SetIdentifier &&
        [name(set), `${set.Type.toLowerCase()}-${name(set)}`, `cname-${name(set)}`].includes(
          name(t),
        ),
    )
  );
}

/** Per record name and key, the resources our TXTs name in the listed, eligible zones. */
function holdersIn(
  current: State,
  options: PlanOptions,
  desired?: readonly Endpoint[],
): Holders & { byKey: Map<string, Set<string>> } {
  const wanting =
    desired === undefined
      ? undefined
      : new Set(
          desired.map((e) => `${e.name} ${e.owner.kind}/${e.owner.namespace}/${e.owner.name}`),
        );
  const byName = new Map<string, Set<string>>();
  const byKey = new Map<string, Set<string>>();
  const byRecord = new Map<string, HeldRecord[]>();
  for (const zone of eligibleZones(ZONES, options)) {
    const sets = current.get(zone.id);
    if (sets === undefined) continue;
    for (const set of sets) {
      if (!oursIn(sets, zone.name).has(keyOf(set))) continue;
      const guard = sets.find(
        (t) =>
          t.Type === 'TXT' &&
          name(t) === txtNameOf(set, zone.name) &&
          t.SetIdentifier === set.SetIdentifier,
      );
      for (const text of guard === undefined ? [] : texts(guard)) {
        const resource = /aws-controller\/resource=([^,]*)/.exec(text)?.[1];
        if (resource === undefined || !text.includes(`aws-controller/owner=${OWNER_ID},`)) continue;
        // An object holds a name only while it still wants something there.
        if (wanting !== undefined && !wanting.has(`${name(set)} ${resource}`)) continue;
        byName.set(name(set), (byName.get(name(set)) ?? new Set()).add(resource));
        if (!byKey.has(keyOf(set))) {
          const held = new Set<string>();
          byKey.set(keyOf(set), held);
          const atName = byRecord.get(name(set)) ?? [];
          atName.push({ type: set.Type, setIdentifier: set.SetIdentifier ?? '', held });
          byRecord.set(name(set), atName);
        }
        byKey.get(keyOf(set))?.add(resource);
      }
    }
  }
  return { byName, byRecord, byKey };
}

const zoneNames = new Map(eligibleZones(ZONES, { domainFilter: [] }).map((z) => [z.id, z.name]));

function planAndApply(
  current: State,
  desired: Endpoint[],
  options: PlanOptions,
): { result: Plan; after: State } {
  const result = plan(current, desired, ZONES, options);
  return { result, after: applyPlan(current, result) };
}

describe('plan properties', () => {
  it('reaches the desired state within the policy', () => {
    fc.assert(
      fc.property(worldArb, ({ current, desired, options }) => {
        const { result, after } = planAndApply(current, desired, options);
        const zones = eligibleZones(ZONES, options);
        const { accepted, conflicts } = resolveConflicts(
          desired,
          holdersIn(current, options, desired),
        );
        // An object that wants something at a name it cannot have keeps what it holds there
        // (never deleted): a refused endpoint's, or a loser's whose winner was refused.
        const unpublished = new Set(result.refused.map((r) => r.endpoint));
        const keeping = new Set(
          [
            ...result.refused.map((r) => r.endpoint),
            ...conflicts.filter((c) => unpublished.has(c.winner)).map((c) => c.loser),
          ].map((e) => `${e.name} ${e.owner.kind}/${e.owner.namespace}/${e.owner.name}`),
        );
        const heldAfter = holdersIn(after, options).byKey;
        for (const [zoneId, before] of current) {
          const zone = zones.find((z) => z.id === zoneId);
          const final = after.get(zoneId) ?? [];
          if (zone === undefined) {
            assert.deepEqual(final, before, `zone ${zoneId} is outside the selection`);
            continue;
          }
          const refusedHere = new Set(
            result.refused.filter((r) => r.zoneId === zoneId).map((r) => endpointKey(r.endpoint)),
          );
          const wanted = accepted.filter(
            (e) =>
              nameInFilter(e.name, options.domainFilter) &&
              zonesForName(e.name, zones).some((z) => z.id === zoneId),
          );
          const oursBefore = oursIn(before, zone.name);
          const oursAfter = oursIn(final, zone.name);
          for (const endpoint of wanted) {
            const key = endpointKey(endpoint);
            if (refusedHere.has(key)) continue;
            const expected: string | undefined =
              options.policy === 'CREATE_ONLY' && oursBefore.has(key)
                ? oursBefore.get(key)
                : comparableForm(toRecordSet(endpoint, zone));
            assert.equal(oursAfter.get(key), expected, `${key} in ${zoneId}`);
          }
          const wantedKeys = new Set(wanted.map(endpointKey));
          if (options.policy === 'SYNC') {
            for (const key of oursAfter.keys()) {
              const recordName = key.split(' ')[0] ?? '';
              if (nameInFilter(recordName, options.domainFilter)) {
                const kept = [...(heldAfter.get(key) ?? [])].some((resource) =>
                  keeping.has(`${recordName} ${resource}`),
                );
                assert.ok(
                  wantedKeys.has(key) || kept,
                  `${key} in ${zoneId} is ours, unwanted, and still there`,
                );
              }
            }
          } else {
            for (const key of oursBefore.keys())
              assert.ok(oursAfter.has(key), `${key} in ${zoneId} deleted under ${options.policy}`);
          }
          if (options.policy === 'CREATE_ONLY') {
            for (const set of before.filter((s) => ['A', 'AAAA', 'CNAME'].includes(s.Type))) {
              assert.ok(
                final.some((s) => comparableForm(s) === comparableForm(set)),
                `${keyOf(set)} changed under CREATE_ONLY`,
              );
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('never updates or deletes what is not ours', () => {
    fc.assert(
      fc.property(worldArb, ({ current, desired, options }) => {
        const result = plan(current, desired, ZONES, options);
        for (const zonePlan of result.zones) {
          const before = current.get(zonePlan.zoneId);
          assert.ok(before !== undefined, `changes for unlisted zone ${zonePlan.zoneId}`);
          const zoneName = zoneNames.get(zonePlan.zoneId) ?? '';
          const deleted = new Set<string>();
          for (const change of zonePlan.groups.flat()) {
            const key = keyOf(change.ResourceRecordSet);
            const existing: ResourceRecordSet | undefined = before.find((s) => keyOf(s) === key);
            if (change.Action === 'CREATE') {
              // A replacement deletes the record set first, in the same group.
              assert.ok(existing === undefined || deleted.has(key), `CREATE of existing ${key}`);
            } else {
              assert.ok(
                existing !== undefined && touchable(existing, before, zoneName, options),
                `${change.Action} of ${keyOf(change.ResourceRecordSet)}, not ours`,
              );
              assert.ok(nameInFilter(guardedName(change.ResourceRecordSet), options.domainFilter));
              if (change.Action === 'DELETE') deleted.add(key);
            }
          }
        }
        // And, seen from the result: every record set not ours is still there, unchanged.
        const after = applyPlan(current, result);
        for (const [zoneId, before] of current) {
          const zoneName = zoneNames.get(zoneId) ?? '';
          const final = new Set((after.get(zoneId) ?? []).map(comparableForm));
          for (const set of before) {
            if (touchable(set, before, zoneName, options)) continue;
            assert.ok(final.has(comparableForm(set)), `${keyOf(set)} in ${zoneId} was touched`);
          }
        }
      }),
      RUNS,
    );
  });

  it('sends nothing the second time: planning against its own result changes nothing', () => {
    fc.assert(
      fc.property(worldArb, ({ current, desired, options }) => {
        const { after } = planAndApply(current, desired, options);
        const again = plan(after, desired, ZONES, options);
        assert.deepEqual(
          again.zones.map((z) => z.groups),
          [],
        );
      }),
      RUNS,
    );
  });

  it('does not depend on the order of desired endpoints or listed record sets', () => {
    fc.assert(
      fc.property(worldArb, fc.integer(), ({ current, desired, options }, seed) => {
        const rotate = <T>(list: readonly T[]): T[] => {
          const n = list.length === 0 ? 0 : Math.abs(seed) % list.length;
          return [...list.slice(n), ...list.slice(0, n)].reverse();
        };
        const shuffled = new Map([...current].map(([id, sets]) => [id, rotate(sets)]));
        const one = plan(current, desired, ZONES, options);
        const two = plan(shuffled, rotate(desired), ZONES, options);
        assert.deepEqual(two.zones, one.zones);
      }),
      RUNS,
    );
  });
});

/** The record name a change is for (its own, or the one its ownership TXT guards). */
function guardedName(set: ResourceRecordSet): string {
  const n = name(set);
  if (set.Type !== 'TXT') return n;
  const match = /^(a|aaaa|cname)-(.*)$/.exec(n);
  if (match === null) return n;
  const rest = match[2] ?? '';
  return rest.startsWith('.') ? rest.slice(1) : rest;
}
