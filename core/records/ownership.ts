// The TXT ownership registry (design.md, "Ownership"). Its format is a contract that other
// tools and our own older versions read, so names and values are built and read here only.
//
// - name: the record's first label prefixed with its lower-case type and `-`
//   (`www.example.com` A → `a-www.example.com`, `*.apps.example.com` CNAME →
//   `cname-*.apps.example.com`). A zone apex has no first label inside its zone, and
//   `a-example.com` would lie outside the zone `example.com`; there the prefix goes on the
//   empty relative label: `a-.example.com`.
// - value: `"heritage=aws-controller,aws-controller/owner=<id>,aws-controller/resource=<r>"`.
//
// external-dns's registry is read too, so records it owns can be adopted on purpose: its
// value is `heritage=external-dns,external-dns/owner=<id>,…` (keys after heritage sorted),
// and its TXT sits at the record's own name (its legacy format, which it still reads), at the
// same `<type>-` prefixed name as ours (its current format), and for alias A records at a
// `cname-` prefixed name (its registry files AWS aliases as CNAMEs). Adopting a record removes
// the adopted owner's label from all of them (plan-writes.ts). An external-dns run with
// --txt-prefix, --txt-suffix or --txt-wildcard-replacement names them differently; given the
// same values (ExternalDnsTxtNaming) we find them where it puts them.
import { isRecordType, RECORD_TYPES } from './endpoint.js';
import type { RecordType } from './endpoint.js';
import { formatTxtValue, parseTxtValue } from './txt-strings.js';

export const HERITAGE = 'aws-controller';
export const EXTERNAL_DNS_HERITAGE = 'external-dns';
export const OWNERSHIP_TTL = 300;

export interface OwnershipLabel {
  heritage: typeof HERITAGE | typeof EXTERNAL_DNS_HERITAGE;
  owner: string;
  /** `<kind>/<namespace>/<name>`, when the label names one. */
  resource?: string;
}

const TYPE_LENGTHS: ReadonlySet<number> = new Set(RECORD_TYPES.map((type) => type.length));

// Built once: the planner asks for an ownership name for every record of every zone.
const TXT_PREFIXES: Partial<Record<string, string>> = { A: 'a-', AAAA: 'aaaa-', CNAME: 'cname-' };

/** The ownership TXT's name for a record `name` of `type` in the zone named `zoneName`. */
export function ownershipTxtName(name: string, type: RecordType, zoneName: string): string {
  const prefix = TXT_PREFIXES[type] ?? `${type.toLowerCase()}-`;
  return name === zoneName ? `${prefix}.${name}` : `${prefix}${name}`;
}

/** The record an ownership TXT name guards, or undefined for a name no record type prefixes. */
export function guardedRecordOf(txtName: string): { name: string; type: RecordType } | undefined {
  const dash = txtName.indexOf('-');
  // Only a record type's length can come before the dash: most names (`app-1.…`) are no
  // ownership TXT's, and are told so without a slice and an upper-casing each.
  if (!TYPE_LENGTHS.has(dash)) return undefined;
  const type = txtName.slice(0, dash).toUpperCase();
  if (!isRecordType(type)) return undefined;
  const rest = txtName.slice(dash + 1);
  const name = rest.startsWith('.') ? rest.slice(1) : rest;
  return name === '' ? undefined : { name, type };
}

/**
 * Characters an owner ID may not hold: they would break the label's `k=v,k=v` form or its
 * quoting.
 */
const OWNER_ID_FORBIDDEN = /[,="\\\s]/;

/** Throws when `ownerId` cannot be written into an ownership label and read back. */
export function checkOwnerId(ownerId: string): void {
  if (ownerId === '' || OWNER_ID_FORBIDDEN.test(ownerId)) {
    throw new Error(
      `owner ID '${ownerId}' cannot go into an ownership TXT: it must be non-empty without commas, '=', quotes, backslashes or spaces`,
    );
  }
}

/** The TXT value (quoted, as sent to Route 53) saying `ownerId` owns a record for `resource`. */
export function ownershipValue(ownerId: string, resource: string): string {
  return formatTxtValue(
    `heritage=${HERITAGE},${HERITAGE}/owner=${ownerId},${HERITAGE}/resource=${resource}`,
  );
}

/**
 * Labels the field-by-field reader read, by value: a plan reads each ownership TXT several
 * times (whose it is, who holds the name, what the record is for), and that reader's string
 * and Map work was the planner's largest single cost at 100k records. Our own labels are not
 * kept: each names its own object, so nearly every one is distinct, and reading one by
 * position (readWrittenLabel) costs less than the cache's upkeep did for it. Bounded: emptied
 * when full.
 */
const labels = new Map<string, OwnershipLabel | undefined>();
const MAX_LABELS = 20_000;

/** Reads one TXT value (as Route 53 returns it, quoted) as an ownership label, if it is one. */
export function parseOwnershipValue(value: string): OwnershipLabel | undefined {
  const written = readWrittenLabel(value);
  if (written !== undefined) return written;
  const known = labels.get(value);
  if (known !== undefined || labels.has(value)) return known;
  // Shared by every reader of the value: frozen, so none can change it for the others.
  const label = readLabelFields(value);
  if (label !== undefined) Object.freeze(label);
  if (labels.size >= MAX_LABELS) labels.clear();
  labels.set(value, label);
  return label;
}

/** Any TXT value read as a label, field by field (exported for the property test of the
 * shortcut, readWrittenLabel). */
export function readLabelFields(value: string): OwnershipLabel | undefined {
  const fields = new Map<string, string>();
  for (const token of parseTxtValue(value).split(',')) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq).trim(), token.slice(eq + 1).trim());
  }
  const heritage = fields.get('heritage');
  if (heritage !== HERITAGE && heritage !== EXTERNAL_DNS_HERITAGE) return undefined;
  const owner = fields.get(`${heritage}/owner`);
  // A label without an owner claims nothing we could act on, for them or for us.
  if (owner === undefined || owner === '') return undefined;
  const resource = fields.get(`${heritage}/resource`);
  return { heritage, owner, ...(resource !== undefined && { resource }) };
}

const WRITTEN_HEAD = `"heritage=${HERITAGE},${HERITAGE}/owner=`;
const WRITTEN_RESOURCE = `,${HERITAGE}/resource=`;
/** What would make the general reader see the text differently: another field, an escape,
 * a second string, or space it trims. (An `=` would not: a field's value is all after its
 * first.) */
const NOT_PLAIN = /[,"\\\s]/;

/**
 * Our label exactly as ownershipValue writes it — one quoted string, our three fields, nothing
 * escaped — read by position; undefined for any other shape, which the general reader takes.
 * Nearly every ownership TXT a plan reads has this shape, and each names its own object, so
 * a cache of labels rarely helps: the general reader's string and Map work was ~2 µs per
 * record, ~0.2 s per whole plan at 100k records. (Exported for its property test.)
 */
export function readWrittenLabel(value: string): OwnershipLabel | undefined {
  if (!value.startsWith(WRITTEN_HEAD) || !value.endsWith('"')) return undefined;
  const at = value.indexOf(WRITTEN_RESOURCE, WRITTEN_HEAD.length);
  if (at < 0) return undefined;
  const owner = value.slice(WRITTEN_HEAD.length, at);
  const resource = value.slice(at + WRITTEN_RESOURCE.length, -1);
  if (owner === '' || NOT_PLAIN.test(owner) || NOT_PLAIN.test(resource)) return undefined;
  return { heritage: HERITAGE, owner, resource };
}

/** True when one of a TXT record set's values says `ownerId` (aws-controller) owns it. */
export function isOurs(values: readonly string[], ownerId: string): boolean {
  return values.some((value) => isOurValue(value, ownerId));
}

/** isOurs over a record set's values as listed, without copying them out first. */
export function isOurRecordSet(
  records: readonly { Value: string }[] | undefined,
  ownerId: string,
): boolean {
  if (records === undefined) return false;
  for (const record of records) if (isOurValue(record.Value, ownerId)) return true;
  return false;
}

function isOurValue(value: string, ownerId: string): boolean {
  const label = parseOwnershipValue(value);
  return label?.heritage === HERITAGE && label.owner === ownerId;
}

/** How an external-dns deployment names its TXT records: its --txt-prefix, --txt-suffix and
 * --txt-wildcard-replacement, as given to it (`%{record_type}` allowed in the affixes). */
export interface ExternalDnsTxtNaming {
  prefix: string;
  suffix: string;
  wildcardReplacement: string;
}

export const EXTERNAL_DNS_DEFAULT_NAMING: ExternalDnsTxtNaming = {
  prefix: '',
  suffix: '',
  wildcardReplacement: '',
};

const RECORD_TYPE_TEMPLATE = '%{record_type}';

/**
 * Where external-dns with `naming` puts the TXT of `name` for `typeLabel` (a lower-case record
 * type, or undefined for its legacy, typeless format): the affixes go around the first label,
 * the type goes into a `%{record_type}` template or, without one, before the first label as
 * `<type>-`. At an apex this lands outside the zone, where it is never found.
 */
function externalDnsTxtName(
  name: string,
  typeLabel: string | undefined,
  naming: ExternalDnsTxtNaming,
): string {
  const dot = name.indexOf('.');
  let first = dot < 0 ? name : name.slice(0, dot);
  const rest = dot < 0 ? '' : name.slice(dot);
  const prefix = naming.prefix.toLowerCase();
  const suffix = naming.suffix.toLowerCase();
  const templated = `${prefix}${suffix}`.includes(RECORD_TYPE_TEMPLATE);
  if (naming.wildcardReplacement !== '' && first === '*') {
    first = naming.wildcardReplacement.toLowerCase();
  }
  if (typeLabel !== undefined && !templated) first = `${typeLabel}-${first}`;
  const fill = (affix: string) => affix.replaceAll(RECORD_TYPE_TEMPLATE, typeLabel ?? '');
  return `${fill(prefix)}${first}${fill(suffix)}${rest}`;
}

/**
 * Names where external-dns may have put the ownership TXT of a record: its current format
 * (`<type>-<name>`, and `cname-<name>` for an alias), and its legacy one (the name itself, with
 * only the affixes), which it still reads. With templated affixes the legacy form cannot be
 * told apart, and is not looked for.
 */
export function externalDnsTxtNames(
  name: string,
  type: RecordType,
  alias: boolean,
  naming: ExternalDnsTxtNaming = EXTERNAL_DNS_DEFAULT_NAMING,
): string[] {
  const templated = `${naming.prefix}${naming.suffix}`.includes(RECORD_TYPE_TEMPLATE);
  const names = [externalDnsTxtName(name, type.toLowerCase(), naming)];
  if (!templated) names.push(externalDnsTxtName(name, undefined, naming));
  if (alias && type !== 'CNAME') names.push(externalDnsTxtName(name, 'cname', naming));
  return names;
}
