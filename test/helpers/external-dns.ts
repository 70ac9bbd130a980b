// external-dns, the pinned release built from the Go module proxy by test/env/install.sh:
// what most users run today, so what the syncer is measured against (test/bench) and must
// live beside and take over from (test/e2e/coexistence.test.ts).
import { join } from 'node:path';
import { cacheRoot } from '../env/components.js';
import { loadVersions } from '../env/versions.js';
import { freePort } from '../env/processes.js';
import { AWS_TEST_ENV, launch, waitHealthy, type RunningController } from './controller-process.js';

export const externalDnsVersion = (): string => loadVersions().externalDns;

export function externalDnsBinary(): string {
  return join(cacheRoot(), `external-dns-${externalDnsVersion()}`, 'bin', 'external-dns');
}

export interface ExternalDnsOptions {
  readonly kubeconfig: string;
  readonly route53Endpoint: string;
  readonly ownerId: string;
  /** external-dns sources, e.g. istio-gateway. */
  readonly sources: readonly string[];
  readonly logFile: string;
  readonly domainFilter?: readonly string[];
  /** Anything else, e.g. --interval=5s. */
  readonly extraArgs?: readonly string[];
}

/**
 * Starts external-dns with the AWS provider and the TXT registry, policy sync, events on,
 * and resolves once its /healthz answers.
 */
export async function startExternalDns(options: ExternalDnsOptions): Promise<RunningController> {
  const metricsPort = await freePort();
  const args = [
    ...options.sources.map((s) => `--source=${s}`),
    '--provider=aws',
    '--registry=txt',
    `--txt-owner-id=${options.ownerId}`,
    '--policy=sync',
    '--events',
    `--kubeconfig=${options.kubeconfig}`,
    `--metrics-address=127.0.0.1:${metricsPort}`,
    '--log-level=info',
    ...(options.domainFilter ?? []).map((d) => `--domain-filter=${d}`),
    ...(options.extraArgs ?? []),
  ];
  const running = launch(
    externalDnsBinary(),
    args,
    // The AWS SDK for Go v2 reads a per-service endpoint from the environment; Route 53's
    // service ID is "Route 53", hence ROUTE_53.
    { ...AWS_TEST_ENV, AWS_ENDPOINT_URL_ROUTE_53: options.route53Endpoint },
    options.logFile,
  );
  await waitHealthy(running, `http://127.0.0.1:${metricsPort}/healthz`, 'external-dns');
  return running;
}
