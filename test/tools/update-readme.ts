// `npm run docs`: regenerates the README's annotation reference from the key registry, and the
// chart README's values table from the chart's values.yaml and values.schema.json.
import { readFile, writeFile } from 'node:fs/promises';
import { withReference } from '../../core/annotations/reference.js';
import { withValuesTable, type SchemaNode } from './chart-values-doc.js';

const path = new URL('../../../README.md', import.meta.url);
await writeFile(path, withReference(await readFile(path, 'utf8')));

const chart = new URL('../../../charts/aws-controller/', import.meta.url);
const chartReadme = new URL('README.md', chart);
await writeFile(
  chartReadme,
  withValuesTable(
    await readFile(chartReadme, 'utf8'),
    await readFile(new URL('values.yaml', chart), 'utf8'),
    JSON.parse(await readFile(new URL('values.schema.json', chart), 'utf8')) as SchemaNode,
  ),
);
