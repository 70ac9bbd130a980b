// `aws-controller plan`: what the syncer would change in Route 53, offline, from manifests and
// exported Route 53 state (`aws route53 list-hosted-zones` / `list-resource-record-sets`).
import type { KubeObject } from '../core/admission/admit.js';
import { kindInfoOf } from '../core/admission/admit.js';
import { normalizeRoute53Name } from '../core/records/route53-names.js';
import type { Change, HostedZone, ResourceRecordSet } from '../core/records/route53-types.js';
import type { KubeResource } from '../syncer/kube/reflector.js';
import { offlinePlan, type OfflinePlan } from '../syncer/offline-plan.js';
import { readTextFile, type CliIo } from './io.js';
import { ManifestError, readManifests } from './manifests.js';
import { parseOptions, stringOption, UsageError } from './options.js';
import { derivedOwnerId, PLAN_FLAGS, PLAN_FLAGS_USAGE, planFlags } from './plan-options.js';
import { DEFAULT_RELEASE, DEFAULT_RELEASE_NAMESPACE } from '../core/records/owner-id.js';
import { readDomainPolicyFile } from './domain-policy-file.js';
import { admitManifest } from './validate-command.js';

const USAGE = `Usage: aws-controller plan -f FILE|DIR|- ... --zones FILE [--records ZONE_ID=FILE ...] [options]

  -f, --filename PATH       manifests: YAML or JSON, folders read recursively, - for stdin
  --zones FILE              what \`aws route53 list-hosted-zones\` prints
  --records ZONE_ID=FILE    what \`aws route53 list-resource-record-sets --hosted-zone-id
                            ZONE_ID\` prints; a zone without one is taken as empty
  --namespace NS            for manifests without one (default: default)
  -o, --output FORMAT       text (default) or json: {"changes":[{"hostedZoneId","changes":
                            [{"Action","ResourceRecordSet"}]}]}, one entry per request
${PLAN_FLAGS_USAGE}
  --cluster-uid UID         the cluster's identity for that default, offline:
                            kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'
  plan needs --owner-id or --cluster-uid: with neither, the records your syncer wrote would
  show as someone else's.
  (--ingress-namespaces defaults to istio-system here.)

Objects go through the admission webhook's checks first, as the apiserver would store them:
denied ones are reported and left out.
`;

// Read whole and at once: a command that only waits for its files gains nothing from
// asynchronous reads, and fs/promises decodes in chunks, handing JSON.parse a string made of
// pieces. At 100k endpoints (43 MiB of listings) reading and parsing took ~0.27 s of CPU this
// way against ~0.42 s (docs/benchmarks.md, plan command). readTextFile reads bytes and
// decodes them itself: readFileSync's own UTF-8 decoding took twice as long (io.ts).
function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (err) {
    throw new ManifestError(`cannot read ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${what} ${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"HostedZones":[…]}` (or the bare list), each with an Id and a Name. */
export function parseZones(value: unknown, path: string): HostedZone[] {
  const list = isObject(value) ? value['HostedZones'] : value;
  if (!Array.isArray(list)) {
    throw new ManifestError(`${path}: expected {"HostedZones": [...]} as list-hosted-zones prints`);
  }
  return list.map((zone: unknown, i) => {
    if (!isObject(zone) || typeof zone['Id'] !== 'string' || typeof zone['Name'] !== 'string') {
      throw new ManifestError(`${path}: HostedZones[${i}] needs a string Id and Name`);
    }
    const config = zone['Config'];
    return {
      Id: zone['Id'],
      Name: zone['Name'],
      Config: { PrivateZone: isObject(config) && config['PrivateZone'] === true },
    };
  });
}

/** `{"ResourceRecordSets":[…]}` (or the bare list), each with a Name and a Type. */
export function parseRecordSets(value: unknown, path: string): ResourceRecordSet[] {
  const list = isObject(value) ? value['ResourceRecordSets'] : value;
  if (!Array.isArray(list)) {
    throw new ManifestError(
      `${path}: expected {"ResourceRecordSets": [...]} as list-resource-record-sets prints`,
    );
  }
  return list.map((set: unknown, i) => {
    if (!isObject(set) || typeof set['Name'] !== 'string' || typeof set['Type'] !== 'string') {
      throw new ManifestError(`${path}: ResourceRecordSets[${i}] needs a string Name and Type`);
    }
    return set as unknown as ResourceRecordSet;
  });
}

const bare = (id: string) => id.replace(/^\/hostedzone\//, '');

function describeValue(change: Change): string {
  const set = change.ResourceRecordSet;
  if (set.AliasTarget) {
    const health = set.AliasTarget.EvaluateTargetHealth ? ', evaluate target health' : '';
    return `alias ${normalizeRoute53Name(set.AliasTarget.DNSName)} (zone ${set.AliasTarget.HostedZoneId}${health})`;
  }
  const values = (set.ResourceRecords ?? []).map((r) => r.Value).join(' ');
  return `${values}${set.TTL === undefined ? '' : ` ttl ${set.TTL}`}`;
}

function routingOf(set: ResourceRecordSet): string {
  const parts: string[] = [];
  if (set.SetIdentifier !== undefined) parts.push(`set ${set.SetIdentifier}`);
  if (set.Weight !== undefined) parts.push(`weight ${set.Weight}`);
  if (set.Region !== undefined) parts.push(`region ${set.Region}`);
  if (set.Failover !== undefined) parts.push(`failover ${set.Failover}`);
  if (set.GeoLocation !== undefined) {
    parts.push(`geo ${Object.values(set.GeoLocation).join('/')}`);
  }
  if (set.MultiValueAnswer) parts.push('multivalue');
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

export function formatPlanText(result: OfflinePlan, denied: string[]): string {
  const lines: string[] = [];
  const { plan } = result;
  for (const zone of plan.zones) {
    const requests = result.requests.filter((r) => r.hostedZoneId === zone.zoneId);
    lines.push(
      `Zone ${zone.zoneName} (${zone.zoneId}, ${zone.private ? 'private' : 'public'}): ${requests.length} request(s)`,
    );
    for (const decision of zone.decisions) {
      lines.push(
        `  ${decision.action} ${decision.record}${decision.resource ? ` for ${decision.resource}` : ''}${decision.changed ? ` (${decision.changed.join(', ')})` : ''}`,
      );
    }
    for (const [i, request] of requests.entries()) {
      lines.push(`  request ${i + 1}:`);
      for (const change of request.changes) {
        const set = change.ResourceRecordSet;
        lines.push(
          `    ${change.Action.padEnd(6)} ${set.Type.padEnd(5)} ${normalizeRoute53Name(set.Name)}  ${describeValue(change)}${routingOf(set)}`,
        );
      }
    }
  }
  const problems = [
    ...denied.map((d) => `denied: ${d}`),
    ...result.notes.map(
      (n) =>
        `${n.object.kind ?? '?'} ${n.object.metadata?.namespace ?? ''}/${n.object.metadata?.name ?? ''}: ${n.reason}: ${n.message}`,
    ),
    ...plan.refused.map((r) => `refused (${r.reason}): ${r.message}`),
    ...plan.conflicts.map((c) => `conflict: ${c.message}`),
    ...result.heldBack.map((h) => h.message),
  ];
  if (problems.length > 0) {
    lines.push('Not published as asked:');
    for (const p of problems) lines.push(`  ${p}`);
  }
  const changes = result.requests.reduce((n, r) => n + r.changes.length, 0);
  lines.push(
    changes === 0
      ? 'No changes: Route 53 already holds what the manifests ask for.'
      : `${changes} change(s) in ${result.requests.length} request(s) to ${plan.zones.length} zone(s).`,
  );
  return `${lines.join('\n')}\n`;
}

export async function planCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    {
      ...PLAN_FLAGS,
      filename: { type: 'string', short: 'f', multiple: true },
      zones: { type: 'string' },
      records: { type: 'string', multiple: true },
      namespace: { type: 'string' },
      'cluster-uid': { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    {},
    true,
  );
  if (values['help'] === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const output = stringOption(values, 'output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new UsageError(`-o must be text or json, got '${output}'`);
  }
  const files = [
    ...(Array.isArray(values['filename']) ? values['filename'].map(String) : []),
    ...positionals,
  ];
  if (files.length === 0) throw new UsageError(`plan needs manifests (-f FILE)\n\n${USAGE}`);
  const zonesFile = stringOption(values, 'zones');
  if (zonesFile === undefined) throw new UsageError(`plan needs --zones FILE\n\n${USAGE}`);
  const flags = planFlags(values);
  const policyFile = stringOption(values, 'domain-policy');
  const domainPolicy = policyFile === undefined ? undefined : readDomainPolicyFile(policyFile);
  const namespace = stringOption(values, 'namespace') ?? 'default';
  const clusterUid = stringOption(values, 'cluster-uid');
  // The syncer's own default, derived offline from the cluster UID the user passes.
  const ownerId =
    flags.ownerId ??
    (clusterUid === undefined
      ? undefined
      : derivedOwnerId(values, clusterUid, DEFAULT_RELEASE_NAMESPACE));
  if (ownerId === undefined) {
    throw new UsageError(
      `plan needs the owner ID your syncer writes, to tell your records from others': --owner-id ID, or --cluster-uid UID (kubectl get namespace kube-system -o jsonpath='{.metadata.uid}') for the default <release>.<release-namespace>.<UID> (--release, --release-namespace: default ${DEFAULT_RELEASE} and ${DEFAULT_RELEASE_NAMESPACE}, as the chart installed by the README)`,
    );
  }

  const hostedZones = parseZones(readJson(zonesFile, 'zones file'), zonesFile);
  const listings = new Map<string, ResourceRecordSet[]>();
  for (const entry of Array.isArray(values['records']) ? values['records'].map(String) : []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--records takes ZONE_ID=FILE, got '${entry}'`);
    const zoneId = bare(entry.slice(0, eq));
    const file = entry.slice(eq + 1);
    if (!hostedZones.some((z) => bare(z.Id) === zoneId)) {
      throw new UsageError(`--records names zone ${zoneId}, which is not in ${zonesFile}`);
    }
    listings.set(zoneId, parseRecordSets(readJson(file, 'records file'), file));
  }

  const objects: KubeResource[] = [];
  const denied: string[] = [];
  for (const { object, source } of await readManifests(files, io.readStdin)) {
    // As kubectl would store it: in the default namespace unless it names one (Nodes have none).
    const stored: KubeObject =
      object.kind === 'Node'
        ? object
        : { ...object, metadata: { namespace, ...(object.metadata ?? {}) } };
    if (kindInfoOf(stored) === undefined) {
      objects.push(stored);
      continue;
    }
    // The annotations' checks only: the domain policy is judged per name by the planner
    // below, so each refused name is listed with its reason (as the syncer would say it).
    const admitted = admitManifest(stored, {
      controllerName: flags.controllerName,
      ...(flags.cluster !== undefined && { cluster: flags.cluster }),
    });
    if (!admitted.allowed) {
      denied.push(`${source}: ${admitted.message ?? 'denied'}`);
      continue;
    }
    objects.push({
      ...stored,
      metadata: { ...stored.metadata, annotations: admitted.annotations },
    });
  }

  const result = offlinePlan({
    objects,
    hostedZones,
    listings,
    options: {
      ...flags,
      ownerId,
      ...(domainPolicy !== undefined && { domainPolicy }),
      ingressNamespaces: flags.ingressNamespaces ?? ['istio-system'],
    },
  });
  if (output === 'json') {
    const json = {
      changes: result.requests,
      refused: result.plan.refused.map((r) => ({ reason: r.reason, message: r.message })),
      conflicts: result.plan.conflicts.map((c) => c.message),
      notes: result.notes.map((n) => ({
        kind: n.object.kind,
        namespace: n.object.metadata?.namespace,
        name: n.object.metadata?.name,
        reason: n.reason,
        message: n.message,
      })),
      heldBack: result.heldBack.map(({ zoneId, deletions, owned, message }) => ({
        hostedZoneId: zoneId,
        deletions,
        owned,
        message,
      })),
      denied,
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else io.stdout.write(formatPlanText(result, denied));
  return 0;
}
