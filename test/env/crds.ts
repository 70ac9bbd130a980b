// Installs the Istio and Gateway API CRDs and waits until the apiserver's discovery serves
// every version they declare: a CRD being Established is not yet enough for clients that
// discover resources (kubectl, client-node's informers) to find it.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { httpGet } from './http-get.js';
import type { TlsFiles } from './http-get.js';

const run = promisify(execFile);

export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

interface CrdDoc {
  kind?: unknown;
  spec?: {
    group?: unknown;
    names?: { plural?: unknown };
    versions?: { name?: unknown; served?: unknown }[];
  };
}

/** The group/version/plural of every served version of every CRD in the files. */
export async function servedResourcesOf(files: readonly string[]): Promise<ServedResource[]> {
  const out: ServedResource[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) {
        throw new Error(`${file}: invalid YAML: ${doc.errors[0]?.message ?? ''}`);
      }
      const crd = doc.toJS() as CrdDoc | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const group = crd.spec?.group;
      const plural = crd.spec?.names?.plural;
      if (typeof group !== 'string' || typeof plural !== 'string') {
        throw new Error(`${file}: a CustomResourceDefinition without spec.group or names.plural`);
      }
      for (const v of crd.spec?.versions ?? []) {
        if (v.served === true && typeof v.name === 'string') {
          out.push({ group, version: v.name, plural });
        }
      }
    }
  }
  return out;
}

export async function applyCrds(options: {
  kubectl: string;
  kubeconfig: string;
  files: readonly string[];
}): Promise<void> {
  for (const file of options.files) {
    try {
      // Server-side: Istio's CRDs exceed the 256 KiB last-applied annotation of client-side apply.
      await run(
        options.kubectl,
        [
          '--kubeconfig',
          options.kubeconfig,
          'apply',
          '--server-side',
          '--force-conflicts',
          '-f',
          file,
        ],
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`kubectl apply -f ${file} failed: ${stderr.trim()}`, { cause: err });
    }
  }
}

export async function waitUntilServed(options: {
  apiserverUrl: string;
  tls: TlsFiles;
  resources: readonly ServedResource[];
  timeoutMs: number;
}): Promise<void> {
  const byGroupVersion = new Map<string, Set<string>>();
  for (const r of options.resources) {
    const key = `${r.group}/${r.version}`;
    byGroupVersion.set(key, (byGroupVersion.get(key) ?? new Set()).add(r.plural));
  }
  const deadline = Date.now() + options.timeoutMs;
  let waitingFor: string[] = [...byGroupVersion.keys()];
  while (Date.now() < deadline) {
    const still: string[] = [];
    for (const [gv, plurals] of byGroupVersion) {
      const res = await httpGet(`${options.apiserverUrl}/apis/${gv}`, options.tls);
      const served =
        res.status === 200
          ? new Set(
              ((JSON.parse(res.body) as { resources?: { name: string }[] }).resources ?? []).map(
                (r) => r.name,
              ),
            )
          : new Set<string>();
      for (const p of plurals) if (!served.has(p)) still.push(`${p}.${gv}`);
    }
    if (still.length === 0) return;
    waitingFor = still;
    await sleep(250);
  }
  throw new Error(
    `CRDs not served after ${options.timeoutMs / 1000}s: ${waitingFor.slice(0, 10).join(', ')}`,
  );
}
