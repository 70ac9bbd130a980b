// Route 53 resource record sets and changes as plain data, read from the XML of
// ChangeResourceRecordSets requests and ListResourceRecordSets responses.
import { child, childText, children } from './xml.js';
import type { XmlElement } from './xml.js';

export type ChangeAction = 'CREATE' | 'UPSERT' | 'DELETE';

export interface AliasTarget {
  readonly hostedZoneId: string;
  readonly dnsName: string;
  readonly evaluateTargetHealth: boolean;
}

export interface RecordSet {
  readonly name: string;
  readonly type: string;
  readonly setIdentifier?: string;
  readonly ttl?: number;
  readonly values: readonly string[];
  readonly alias?: AliasTarget;
  readonly weight?: number;
  readonly region?: string;
  readonly failover?: string;
  readonly multiValueAnswer?: boolean;
  readonly healthCheckId?: string;
  /** GeoLocation / CidrRoutingConfig, kept as canonical text: only compared, never read. */
  readonly geoLocation?: string;
  readonly cidrRoutingConfig?: string;
  /** The element this was read from, so the proxy can send a record back exactly as listed. */
  readonly source?: XmlElement;
}

export interface Change {
  readonly action: ChangeAction;
  readonly recordSet: RecordSet;
}

export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}

function canonicalChildren(e: XmlElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  return e.children
    .map((c) => `${c.name}=${c.text.trim()}`)
    .sort()
    .join(',');
}

function optionalNumber(e: XmlElement, name: string): number | undefined {
  const text = childText(e, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new BadRequest(`${name} '${text}' is not a number`);
  return n;
}

export function recordSetFromXml(e: XmlElement): RecordSet {
  const name = childText(e, 'Name');
  const type = childText(e, 'Type');
  if (!name || !type) throw new BadRequest('ResourceRecordSet without Name or Type');
  const records = child(e, 'ResourceRecords');
  const aliasXml = child(e, 'AliasTarget');
  const values = records
    ? children(records, 'ResourceRecord').map((r) => childText(r, 'Value') ?? '')
    : [];
  const setIdentifier = childText(e, 'SetIdentifier');
  const ttl = optionalNumber(e, 'TTL');
  const weight = optionalNumber(e, 'Weight');
  const region = childText(e, 'Region');
  const failover = childText(e, 'Failover');
  const multiValue = childText(e, 'MultiValueAnswer');
  const healthCheckId = childText(e, 'HealthCheckId');
  const geoLocation = canonicalChildren(child(e, 'GeoLocation'));
  const cidrRoutingConfig = canonicalChildren(child(e, 'CidrRoutingConfig'));
  return {
    name,
    type: type.toUpperCase(),
    values,
    source: e,
    ...(setIdentifier !== undefined ? { setIdentifier } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
    ...(aliasXml
      ? {
          alias: {
            hostedZoneId: childText(aliasXml, 'HostedZoneId') ?? '',
            dnsName: childText(aliasXml, 'DNSName') ?? '',
            evaluateTargetHealth: childText(aliasXml, 'EvaluateTargetHealth') === 'true',
          },
        }
      : {}),
    ...(weight !== undefined ? { weight } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(failover !== undefined ? { failover } : {}),
    ...(multiValue !== undefined ? { multiValueAnswer: multiValue === 'true' } : {}),
    ...(healthCheckId !== undefined ? { healthCheckId } : {}),
    ...(geoLocation !== undefined ? { geoLocation } : {}),
    ...(cidrRoutingConfig !== undefined ? { cidrRoutingConfig } : {}),
  };
}

/** The changes of a ChangeResourceRecordSetsRequest document. */
export function changesFromRequest(root: XmlElement): Change[] {
  if (root.name !== 'ChangeResourceRecordSetsRequest') {
    throw new BadRequest(`expected ChangeResourceRecordSetsRequest, got ${root.name}`);
  }
  const batch = child(root, 'ChangeBatch');
  const list = batch && child(batch, 'Changes');
  if (!list) throw new BadRequest('ChangeBatch/Changes is missing');
  return children(list, 'Change').map((c) => {
    const action = childText(c, 'Action');
    if (action !== 'CREATE' && action !== 'UPSERT' && action !== 'DELETE') {
      throw new BadRequest(`unknown Action '${action ?? ''}'`);
    }
    const rrs = child(c, 'ResourceRecordSet');
    if (!rrs) throw new BadRequest('Change without ResourceRecordSet');
    return { action, recordSet: recordSetFromXml(rrs) };
  });
}

export interface RecordPage {
  readonly recordSets: RecordSet[];
  readonly isTruncated: boolean;
  readonly nextRecordName?: string;
  readonly nextRecordType?: string;
  readonly nextRecordIdentifier?: string;
}

export function pageFromListResponse(root: XmlElement): RecordPage {
  if (root.name !== 'ListResourceRecordSetsResponse') {
    throw new BadRequest(`expected ListResourceRecordSetsResponse, got ${root.name}`);
  }
  const sets = child(root, 'ResourceRecordSets');
  const nextName = childText(root, 'NextRecordName');
  const nextType = childText(root, 'NextRecordType');
  const nextId = childText(root, 'NextRecordIdentifier');
  return {
    recordSets: sets ? children(sets, 'ResourceRecordSet').map(recordSetFromXml) : [],
    isTruncated: childText(root, 'IsTruncated') === 'true',
    ...(nextName ? { nextRecordName: nextName } : {}),
    ...(nextType ? { nextRecordType: nextType } : {}),
    ...(nextId ? { nextRecordIdentifier: nextId } : {}),
  };
}
