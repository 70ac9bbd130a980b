// Inputs for timing `aws-controller plan` as a user runs it: N endpoints as N/10 Istio Gateways
// of 10 hosts each (each Gateway's hosts in one of 50 zones) in one multi-document YAML file
// and, the same objects, in one JSON List, the ingress gateway Service they resolve to, `list-hosted-zones` output, and one
// `list-resource-record-sets` output per zone holding what the syncer would have written for
// them (each record and its ownership TXT, plus SOA and NS): the steady state, where the plan
// is empty and every record has to be compared. The records are made by the same offline
// plan against empty zones, so they are exactly what the planner expects.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyChanges } from '../../core/records/apply-changes.js';
import type { HostedZone } from '../../core/records/route53-types.js';
import { offlinePlan } from '../../syncer/offline-plan.js';
import { zoneApex } from './zone-apex.js';
import type { KubeResource } from '../../syncer/kube/reflector.js';

export const PLAN_ZONES = 50;
export const PLAN_OWNER_ID = 'bench';
const HOSTS_PER_GATEWAY = 10;
const NAMESPACE = 'bench';

export type ManifestFormat = 'yaml' | 'json';

export interface PlanCommandInputs {
  /** Arguments after `plan`, the manifests aside (`-f` with one of `manifests`). */
  readonly args: string[];
  /** The same objects as multi-document YAML and as a JSON List (`kubectl get -o json`). */
  readonly manifests: Readonly<Record<ManifestFormat, { file: string; bytes: number }>>;
  readonly endpoints: number;
  readonly recordSets: number;
}

const zoneName = (z: number) => `z${z}.plan.example`;

function gatewayYaml(g: number): string {
  const zone = zoneName(g % PLAN_ZONES);
  const hosts = Array.from({ length: HOSTS_PER_GATEWAY }, (_, h) => `    - g${g}-h${h}.${zone}`);
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: Gateway',
    'metadata:',
    `  name: gw-${g}`,
    `  namespace: ${NAMESPACE}`,
    `  creationTimestamp: "2026-01-01T00:00:00Z"`,
    'spec:',
    '  selector:',
    '    istio: ingressgateway',
    '  servers:',
    '  - port: {number: 80, name: http, protocol: HTTP}',
    '    hosts:',
    ...hosts,
  ].join('\n');
}

const SERVICE_YAML = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: istio-ingressgateway',
  '  namespace: istio-system',
  '  labels: {istio: ingressgateway}',
  '  creationTimestamp: "2026-01-01T00:00:00Z"',
  'spec:',
  '  type: LoadBalancer',
  '  selector: {istio: ingressgateway}',
  'status:',
  '  loadBalancer:',
  '    ingress:',
  '    - ip: 203.0.113.10',
].join('\n');

function hostedZones(): HostedZone[] {
  return Array.from({ length: PLAN_ZONES }, (_, z) => ({
    Id: `/hostedzone/ZPLAN${String(z).padStart(4, '0')}`,
    Name: `${zoneName(z)}.`,
    Config: { PrivateZone: false },
  }));
}

/** Writes the inputs for `endpoints` endpoints under `dir`; returns the command's arguments. */
export function writePlanCommandInputs(dir: string, endpoints: number): PlanCommandInputs {
  mkdirSync(join(dir, 'records'), { recursive: true });
  const gateways = Math.ceil(endpoints / HOSTS_PER_GATEWAY);
  const documents = [SERVICE_YAML];
  for (let g = 0; g < gateways; g++) documents.push(gatewayYaml(g));
  const manifest = `${documents.join('\n---\n')}\n`;
  const manifestFile = join(dir, 'gateways.yaml');
  writeFileSync(manifestFile, manifest);

  const zones = hostedZones();
  const zonesFile = join(dir, 'zones.json');
  writeFileSync(zonesFile, JSON.stringify({ HostedZones: zones }, null, 2));

  // What the syncer would have written: the offline plan against empty zones, applied.
  const objects: KubeResource[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'istio-ingressgateway',
        namespace: 'istio-system',
        labels: { istio: 'ingressgateway' },
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' } },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    },
  ];
  for (let g = 0; g < gateways; g++) {
    const zone = zoneName(g % PLAN_ZONES);
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: {
        name: `gw-${g}`,
        namespace: NAMESPACE,
        creationTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [
          {
            port: { number: 80, name: 'http', protocol: 'HTTP' },
            hosts: Array.from({ length: HOSTS_PER_GATEWAY }, (_, h) => `g${g}-h${h}.${zone}`),
          },
        ],
      },
    });
  }
  const empty = new Map(zones.map((z) => [z.Id.replace('/hostedzone/', ''), zoneApex(z)]));
  const written = offlinePlan({
    objects,
    hostedZones: zones,
    listings: empty,
    options: {
      ownerId: PLAN_OWNER_ID,
      policy: 'SYNC',
      domainFilter: [],
      controllerName: 'aws-controller',
      maxDeleteFraction: 1,
      ingressNamespaces: ['istio-system'],
    },
  });
  // The same objects as JSON, indented as kubectl prints them.
  const json = `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 4)}\n`;
  const jsonFile = join(dir, 'gateways.json');
  writeFileSync(jsonFile, json);
  const args = ['--zones', zonesFile, '--owner-id', PLAN_OWNER_ID];
  let recordSets = 0;
  for (const zone of zones) {
    const id = zone.Id.replace('/hostedzone/', '');
    let records = empty.get(id) ?? [];
    for (const request of written.requests) {
      if (request.hostedZoneId === id) records = applyChanges(records, request.changes);
    }
    recordSets += records.length;
    const file = join(dir, 'records', `${id}.json`);
    writeFileSync(file, JSON.stringify({ ResourceRecordSets: records }, null, 2));
    args.push('--records', `${id}=${file}`);
  }
  return {
    args,
    manifests: {
      yaml: { file: manifestFile, bytes: manifest.length },
      json: { file: jsonFile, bytes: json.length },
    },
    endpoints: gateways * HOSTS_PER_GATEWAY,
    recordSets,
  };
}
