// `npm run docs`: regenerates the README's annotation reference from the key registry.
import { readFile, writeFile } from 'node:fs/promises';
import { withReference } from '../../core/annotations/reference.js';

const path = new URL('../../../README.md', import.meta.url);
await writeFile(path, withReference(await readFile(path, 'utf8')));
