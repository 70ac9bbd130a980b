// Reading Kubernetes manifests from files, folders and stdin, as kubectl would: YAML or JSON,
// several documents per file, `List` kinds flattened, folders read recursively.
// Three readers, fastest first, all giving the same objects: JSON.parse for JSON
// (json-documents.ts), a reader for plain block YAML (simple-yaml.ts), and the `yaml`
// package for every document those two leave, and for every error message. `yaml` is loaded
// only then: most files never need it.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../core/admission/admit.js';
import { jsonDocuments } from './json-documents.js';
import { readTextFile } from './io.js';
import { simpleDocuments, UNSUPPORTED } from './simple-yaml.js';

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

/** A document the `yaml` package could not read: its first error, thrown in document order. */
class DocumentError {
  constructor(readonly message: string) {}
}

/** The documents' values, by the `yaml` package. */
async function yamlDocuments(text: string): Promise<unknown[]> {
  const { parseAllDocuments } = await import('yaml');
  const documents = parseAllDocuments(text);
  return (Array.isArray(documents) ? documents : [documents]).map((document) => {
    const [firstError] = document.errors;
    return firstError === undefined
      ? (document.toJS() as unknown)
      : new DocumentError(firstError.message);
  });
}

/** The values of the text's documents, by the fastest reader that handles each. */
async function documentValues(text: string): Promise<unknown[]> {
  // JSON starts with a brace or bracket; YAML manifests almost never do.
  if (/^\s*[{[]/.test(text)) {
    const values = jsonDocuments(text);
    if (values !== undefined) return values;
  }
  const documents = simpleDocuments(text);
  if (documents === UNSUPPORTED) return yamlDocuments(text);
  if (!documents.some((d) => d.value === UNSUPPORTED)) return documents.map((d) => d.value);
  const { parseDocument } = await import('yaml');
  const values: unknown[] = [];
  for (const document of documents) {
    if (document.value !== UNSUPPORTED) {
      values.push(document.value);
      continue;
    }
    // One document at a time; one with an error is read again as part of the whole text,
    // so that its message has the file's line numbers and the document's index.
    const parsed = parseDocument(text.slice(document.start, document.end));
    if (parsed.errors.length > 0) return yamlDocuments(text);
    values.push(parsed.toJS());
  }
  return values;
}

export async function parseManifestText(text: string, source: string): Promise<Manifest[]> {
  const values = await documentValues(text);
  const manifests: Manifest[] = [];
  const many = values.length > 1;
  for (const [index, value] of values.entries()) {
    const where = many ? `${source} (document ${index + 1})` : source;
    if (value instanceof DocumentError) throw new ManifestError(`${where}: ${value.message}`);
    flatten(value, where, manifests);
  }
  return manifests;
}

export async function readManifests(
  paths: readonly string[],
  readStdin: () => Promise<string>,
): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  // Appended one by one: a spread passes each element as an argument, and a file of more than
  // ~120k objects (kubectl get -o json of a large cluster) overflows the stack that way.
  const add = (some: readonly Manifest[]) => {
    for (const manifest of some) manifests.push(manifest);
  };
  for (const path of paths) {
    if (path === '-') {
      add(await parseManifestText(await readStdin(), '<stdin>'));
      continue;
    }
    for (const file of await filesUnder(path)) {
      // Read whole and at once, as plan-command.ts reads its listings: one flat string for
      // the parser instead of chunks decoded and joined.
      let text: string;
      try {
        text = readTextFile(file);
      } catch (err) {
        throw new ManifestError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      add(await parseManifestText(text, file));
    }
  }
  return manifests;
}
