// Hosted zones and record listings for the suites, through the strictness proxy (so names
// come back spelled as Route 53 spells them: lower case, final dot, `\052` for `*`).
import { randomBytes } from 'node:crypto';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { TestEnvironment } from './environment.js';

/** A new public zone; returns its bare ID. */
export async function createZone(env: TestEnvironment, name: string): Promise<string> {
  const out = await env.route53().send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `e2e-${randomBytes(6).toString('hex')}`,
    }),
  );
  return (out.HostedZone?.Id ?? '').replace(/^\/hostedzone\//, '');
}

export async function listRecordSets(
  env: TestEnvironment,
  zoneId: string,
): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string } | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await env.route53().send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ...(start?.name !== undefined && { StartRecordName: start.name }),
        ...(start?.type !== undefined && { StartRecordType: start.type as 'A' }),
      }),
    );
    sets.push(...(out.ResourceRecordSets ?? []));
    if (!out.IsTruncated) return sets;
    start = { name: out.NextRecordName, type: out.NextRecordType };
  }
  throw new Error(`listing of ${zoneId} did not end`);
}

/** `TYPE name value,value [set]` per record set (alias targets without their final dot), SOA and NS left out, sorted. */
export async function recordLines(env: TestEnvironment, zoneId: string): Promise<string[]> {
  return (await listRecordSets(env, zoneId))
    .filter((s) => s.Type !== 'SOA' && s.Type !== 'NS')
    .map(
      (s) =>
        `${s.Type} ${s.Name} ${(s.ResourceRecords ?? []).map((r) => r.Value).join(',')}${s.AliasTarget ? `alias:${(s.AliasTarget.DNSName ?? '').replace(/\.$/, '')}` : ''}${s.SetIdentifier === undefined ? '' : ` [${s.SetIdentifier}]`}`,
    )
    .sort();
}

/** Writes a record set as someone else would (no ownership TXT of ours). */
export async function putRecord(
  env: TestEnvironment,
  zoneId: string,
  name: string,
  type: string,
  values: readonly string[],
): Promise<void> {
  await env.route53().send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: name,
              Type: type as RRType,
              TTL: 60,
              ResourceRecords: values.map((Value) => ({ Value })),
            },
          },
        ],
      },
    }),
  );
}

/** An A record someone else owns. */
export const putForeignRecord = (env: TestEnvironment, zoneId: string, name: string, ip: string) =>
  putRecord(env, zoneId, name, 'A', [ip]);
