// Route53Requests over the AWS SDK: one method call, one request. The only module that imports
// @aws-sdk/client-route-53. The SDK's own retries are off (maxAttempts 1): retries go through
// our rate limiter and are counted like every other request (see resilient-client.ts).
import type * as Route53Sdk from '@aws-sdk/client-route-53';
import type {
  Route53Client as SdkRoute53Client,
  Change as SdkChange,
  ResourceRecordSet as SdkRecordSet,
  ResourceRecordSetRegion,
  RRType,
} from '@aws-sdk/client-route-53';
import type { AgentOptions } from 'node:https';
import { createRequire } from 'node:module';
import type { ProxyEnv } from './proxy-env.js';
import type { Change, HostedZone, ResourceRecordSet } from '../../core/records/route53-types.js';
import {
  Route53Error,
  incompleteListing,
  isRetryableCode,
  mayHaveLanded,
  type RecordSetsStart,
  type Route53Operation,
  type Route53Requests,
} from './api.js';

// Required, not imported: an ES import of a CommonJS module makes Node keep the module's
// source twice for the life of the process (once for the import's export names, once
// compiled), and this one's is ~0.17 MB (docs/benchmarks.md, Memory).
const {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} = createRequire(import.meta.url)('@aws-sdk/client-route-53') as typeof Route53Sdk;

export interface SdkClientOptions {
  region?: string;
  /** For tests (moto); unset in production. */
  endpoint?: string;
  /** Static credentials for tests; production uses the SDK's default chain (IRSA, Pod Identity). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  requestTimeoutMs?: number;
  /**
   * The proxy to reach Route 53 through (proxy-env.ts, read from the environment by the
   * syncer command); it also carries STS's calls when IRSA's token is exchanged, the SDK's
   * nested client reusing this handler. Absent: no proxy.
   */
  proxyEnv?: ProxyEnv;
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
  // A change batch we gave up waiting for may have been applied all the same: not retried.
  const unknownOutcome = mayHaveLanded(operation, code, status);
  return new Route53Error(
    `${operation} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${detail}`,
    operation,
    code,
    !unknownOutcome && isRetryableCode(code, status),
    messages,
    { cause: err, ...(status !== undefined && { httpStatus: status }) },
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

/** `proxyEnv` is an AgentOptions field of Node 24; @types/node 20 does not know it yet. */
function agentOptions(proxyEnv: ProxyEnv): AgentOptions {
  return { proxyEnv } as AgentOptions;
}

export class SdkRoute53Api implements Route53Requests {
  readonly #client: SdkRoute53Client;

  constructor(options: SdkClientOptions = {}) {
    this.#client = new Route53Client({
      region: options.region ?? 'us-east-1',
      maxAttempts: 1,
      ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
      ...(options.credentials !== undefined && { credentials: options.credentials }),
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        // Without it the handler only logs a warning and waits on: one request Route 53 (or a
        // proxy on the way) never answers would hold the sender, and with it every later
        // reconcile, for ever, and outlive the lease's renew deadline it is meant to end within.
        throwOnRequestTimeout: true,
        // Node's own proxy support (24.5 and later): the SDK builds its agents from these
        // options, and an agent without proxyEnv ignores the environment, even under
        // NODE_USE_ENV_PROXY.
        httpAgent: agentOptions(options.proxyEnv ?? {}),
        httpsAgent: agentOptions(options.proxyEnv ?? {}),
      },
    });
  }

  async listHostedZonesPage(marker?: string): Promise<{ zones: HostedZone[]; next?: string }> {
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
    const zones = (out.HostedZones ?? []).map((zone) => ({
      Id: zone.Id ?? '',
      Name: zone.Name ?? '',
      ...(zone.Config && { Config: { PrivateZone: zone.Config.PrivateZone ?? false } }),
    }));
    if (!out.IsTruncated) return { zones };
    if (out.NextMarker === undefined) throw incompleteListing('ListHostedZones', 'no NextMarker');
    return { zones, next: out.NextMarker };
  }

  async listResourceRecordSetsPage(
    zoneId: string,
    start?: RecordSetsStart,
  ): Promise<{ sets: ResourceRecordSet[]; next?: RecordSetsStart }> {
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
    const sets = (out.ResourceRecordSets ?? []).map(fromSdk);
    if (!out.IsTruncated) return { sets };
    if (out.NextRecordName === undefined) {
      throw incompleteListing('ListResourceRecordSets', `no NextRecordName for ${zoneId}`);
    }
    return {
      sets,
      next: {
        name: out.NextRecordName,
        type: out.NextRecordType ?? '',
        ...(out.NextRecordIdentifier !== undefined && { identifier: out.NextRecordIdentifier }),
      },
    };
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
