import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { withReference } from '../core/annotations/reference.js';

it('the README annotation reference matches the key registry (run `npm run docs` to update)', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withReference(readme));
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFile(join(ROOT, path), 'utf8');

it('documents every Event reason the syncer gives in the README', async () => {
  const readme = await read('README.md');
  const sources = await Promise.all(
    ['syncer/sources/common.ts', 'syncer/controller.ts'].map((f) => read(f)),
  );
  // ObjectNote reasons (a union of string literals) and the controller's Record* reasons.
  const reasons = new Set(
    sources.flatMap((text) => [
      ...[...text.matchAll(/\| '([A-Z][A-Za-z]+)'/g)].map((m) => m[1] ?? ''),
      ...[...text.matchAll(/'(Record[A-Z][A-Za-z]+)'/g)].map((m) => m[1] ?? ''),
    ]),
  );
  for (const expected of ['TargetProblem', 'InvalidHostname', 'RecordRefused']) {
    assert.ok(
      reasons.has(expected),
      `reason ${expected} not found in the code: the scan is broken`,
    );
  }
  // RecordChanged is eventReason's fallback for an action it has no name for: never given.
  reasons.delete('RecordChanged');
  const missing = [...reasons].filter((r) => !readme.includes(`\`${r}\``));
  assert.deepEqual(missing, []);
});

it('links only to files inside the repository, and to files that exist', async () => {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md'));
  const pages = ['README.md', 'charts/aws-controller/README.md', ...docs.map((f) => `docs/${f}`)];
  const broken: string[] = [];
  for (const page of pages) {
    const text = await read(page);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target === undefined || /^(https?:|mailto:|#)/.test(target)) continue;
      const path = resolve(ROOT, dirname(page), target.split('#')[0] ?? '');
      if (relative(ROOT, path).startsWith('..') || !existsSync(path)) {
        broken.push(`${page}: ${target}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
