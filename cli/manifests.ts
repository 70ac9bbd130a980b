// Reading Kubernetes manifests from files, folders and stdin, as kubectl would: YAML or JSON,
// several documents per file, `List` kinds flattened, folders read recursively.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../core/admission/admit.js';

export class ManifestError extends Error {}

export interface Manifest {
  object: KubeObject;
  /** Where it came from: file (and document number when there are several). */
  source: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch((err: unknown) => {
    throw new ManifestError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => e.isDirectory() || MANIFEST_FILE.test(e.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => filesUnder(join(path, e.name))),
  );
  return nested.flat();
}

function flatten(value: unknown, source: string, into: Manifest[]): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestError(`${source}: a document must be a Kubernetes object (a mapping)`);
  }
  const object = value as KubeObject;
  if (
    typeof object.kind === 'string' &&
    object.kind.endsWith('List') &&
    Array.isArray(object['items'])
  ) {
    (object['items'] as unknown[]).forEach((item, i) =>
      flatten(item, `${source} item ${i + 1}`, into),
    );
    return;
  }
  into.push({ object, source });
}

export function parseManifestText(text: string, source: string): Manifest[] {
  const documents = parseAllDocuments(text);
  const manifests: Manifest[] = [];
  const many = Array.isArray(documents) && documents.length > 1;
  for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    const where = many ? `${source} (document ${index + 1})` : source;
    const [firstError] = document.errors;
    if (firstError !== undefined) throw new ManifestError(`${where}: ${firstError.message}`);
    flatten(document.toJS(), where, manifests);
  }
  return manifests;
}

export async function readManifests(
  paths: readonly string[],
  readStdin: () => Promise<string>,
): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const path of paths) {
    if (path === '-') {
      manifests.push(...parseManifestText(await readStdin(), '<stdin>'));
      continue;
    }
    for (const file of await filesUnder(path)) {
      const text = await readFile(file, 'utf8').catch((err: unknown) => {
        throw new ManifestError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
      });
      manifests.push(...parseManifestText(text, file));
    }
  }
  return manifests;
}
