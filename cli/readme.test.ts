import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { withReference } from '../core/annotations/reference.js';

it('the README annotation reference matches the key registry (run `npm run docs` to update)', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withReference(readme));
});
