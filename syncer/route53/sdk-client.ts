// Route53Api over the AWS SDK. The only module that imports @aws-sdk/client-route-53.
// The SDK's own retries are off (maxAttempts 1): retries go through our rate limiter and
// are counted like every other call (see resilient-client.ts).
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change as SdkChange,
  type ResourceRecordSet as SdkRecordSet,
  type ResourceRecordSetRegion,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import { Route53Error, isRetryableCode, type Route53Api, type Route53Operation } from './api.js';

export interface SdkClientOptions {
  region?: string;
  /** For tests (moto); unset in production. */
  endpoint?: string;
  /** Static credentials for tests; production uses the SDK's default chain (IRSA, Pod Identity). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A listing that goes on longer than this is treated as broken, never as complete. */
  maxPages?: number;
  requestTimeoutMs?: number;
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  messages?: string[];
  $metadata?: { httpStatusCode?: number };
}

function toRoute53Error(operation: Route53Operation, err: unknown): Route53Error {
  const e = (err ?? {}) as SdkError;
  const code = e.Code ?? e.name ?? 'Unknown';
  const status = e.$metadata?.httpStatusCode;
  const messages = Array.isArray(e.messages) ? e.messages : [];
  const detail = messages.length > 0 ? messages.join('; ') : (e.message ?? String(err));
  return new Route53Error(
    `${operation} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${detail}`,
    operation,
    code,
    isRetryableCode(code, status),
    messages,
    { cause: err },
  );
}

function fromSdk(set: SdkRecordSet): ResourceRecordSet {
  return {
    Name: set.Name ?? '',
    Type: set.Type ?? '',
    ...(set.TTL !== undefined && { TTL: set.TTL }),
    ...(set.ResourceRecords && {
      ResourceRecords: set.ResourceRecords.map((r) => ({ Value: r.Value ?? '' })),
    }),
    ...(set.AliasTarget && {
      AliasTarget: {
        HostedZoneId: set.AliasTarget.HostedZoneId ?? '',
        DNSName: set.AliasTarget.DNSName ?? '',
        EvaluateTargetHealth: set.AliasTarget.EvaluateTargetHealth ?? false,
      },
    }),
    ...(set.SetIdentifier !== undefined && { SetIdentifier: set.SetIdentifier }),
    ...(set.Weight !== undefined && { Weight: set.Weight }),
    ...(set.Region !== undefined && { Region: set.Region }),
    ...(set.Failover !== undefined && { Failover: set.Failover }),
    ...(set.GeoLocation && {
      GeoLocation: {
        ...(set.GeoLocation.ContinentCode && { ContinentCode: set.GeoLocation.ContinentCode }),
        ...(set.GeoLocation.CountryCode && { CountryCode: set.GeoLocation.CountryCode }),
        ...(set.GeoLocation.SubdivisionCode && {
          SubdivisionCode: set.GeoLocation.SubdivisionCode,
        }),
      },
    }),
    ...(set.MultiValueAnswer !== undefined && { MultiValueAnswer: set.MultiValueAnswer }),
    ...(set.HealthCheckId !== undefined && { HealthCheckId: set.HealthCheckId }),
  };
}

/** Our Change has the SDK's shape; only the string unions are narrower there. */
function toSdkChange(change: Change): SdkChange {
  const { Type, Region, ...rest } = change.ResourceRecordSet;
  return {
    Action: change.Action,
    ResourceRecordSet: {
      ...rest,
      Type: Type as RRType,
      // Checked against the known regions by the annotation contract.
      ...(Region !== undefined && { Region: Region as ResourceRecordSetRegion }),
    },
  };
}

export class SdkRoute53Api implements Route53Api {
  readonly #client: Route53Client;
  readonly #maxPages: number;

  constructor(options: SdkClientOptions = {}) {
    this.#client = new Route53Client({
      region: options.region ?? 'us-east-1',
      maxAttempts: 1,
      ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
      ...(options.credentials !== undefined && { credentials: options.credentials }),
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 10_000 },
    });
    this.#maxPages = options.maxPages ?? 1_000;
  }

  async listHostedZones(): Promise<HostedZone[]> {
    const zones: HostedZone[] = [];
    let marker: string | undefined;
    for (let page = 0; page < this.#maxPages; page++) {
      const out = await this.#client
        .send(
          new ListHostedZonesCommand({
            ...(marker !== undefined && { Marker: marker }),
            MaxItems: 100,
          }),
        )
        .catch((err: unknown) => {
          throw toRoute53Error('ListHostedZones', err);
        });
      for (const zone of out.HostedZones ?? []) {
        zones.push({
          Id: zone.Id ?? '',
          Name: zone.Name ?? '',
          ...(zone.Config && { Config: { PrivateZone: zone.Config.PrivateZone ?? false } }),
        });
      }
      if (!out.IsTruncated) return zones;
      if (out.NextMarker === undefined || out.NextMarker === marker) break;
      marker = out.NextMarker;
    }
    throw new Route53Error(
      `ListHostedZones did not finish within ${this.#maxPages} pages; treating the listing as incomplete`,
      'ListHostedZones',
      'IncompleteListing',
      false,
    );
  }

  async listResourceRecordSets(zoneId: string): Promise<ResourceRecordSet[]> {
    const sets: ResourceRecordSet[] = [];
    let start: { name: string; type: string; identifier: string | undefined } | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < this.#maxPages; page++) {
      const out = await this.#client
        .send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            MaxItems: 300,
            ...(start && {
              StartRecordName: start.name,
              // Route 53 handed this type back to us, so it is one of its RRTypes.
              StartRecordType: start.type as RRType,
              ...(start.identifier !== undefined && { StartRecordIdentifier: start.identifier }),
            }),
          }),
        )
        .catch((err: unknown) => {
          throw toRoute53Error('ListResourceRecordSets', err);
        });
      for (const set of out.ResourceRecordSets ?? []) sets.push(fromSdk(set));
      if (!out.IsTruncated) return sets;
      const next = `${out.NextRecordName}|${out.NextRecordType}|${out.NextRecordIdentifier ?? ''}`;
      // moto ignores the record identifier when paging, so the same page can come back
      // forever; a repeated position means the listing cannot be trusted to be complete.
      if (out.NextRecordName === undefined || seen.has(next)) break;
      seen.add(next);
      start = {
        name: out.NextRecordName,
        type: out.NextRecordType ?? '',
        identifier: out.NextRecordIdentifier,
      };
    }
    throw new Route53Error(
      `ListResourceRecordSets of ${zoneId} did not finish cleanly; treating the listing as incomplete`,
      'ListResourceRecordSets',
      'IncompleteListing',
      false,
    );
  }

  async changeResourceRecordSets(zoneId: string, changes: readonly Change[]): Promise<void> {
    await this.#client
      .send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: changes.map(toSdkChange), Comment: 'aws-controller' },
        }),
      )
      .catch((err: unknown) => {
        throw toRoute53Error('ChangeResourceRecordSets', err);
      });
  }
}
