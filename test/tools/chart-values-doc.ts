// The chart README's values table, generated from values.yaml (defaults, and the comment above
// each key as its description) and values.schema.json (types and allowed values), so the three
// cannot drift apart: `npm run docs` rewrites the table, and a unit test fails when it differs.
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';

export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  pattern?: string;
  description?: string;
}

export interface ValueDoc {
  /** Dotted path, e.g. `spec.providerSettings.route53.policy`. */
  key: string;
  type: string;
  default: unknown;
  description: string;
}

const BEGIN =
  '<!-- values:begin (generated from values.yaml and values.schema.json by `npm run docs`) -->';
const END = '<!-- values:end -->';

/** A comment as written, without the leading `#` spaces; only its last paragraph counts. */
function commentText(comment: string | null | undefined): string {
  if (!comment) return '';
  const paragraphs = comment.split(/\n\s*\n/);
  return (paragraphs[paragraphs.length - 1] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .join(' ')
    .trim();
}

function typeOf(schema: SchemaNode): string {
  if (schema.oneOf) return schema.oneOf.map(typeOf).join(' \\| ');
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'any'];
  return types
    .map((t) => (t === 'array' && schema.items?.type ? `${String(schema.items.type)}[]` : t))
    .join(' \\| ');
}

/**
 * Every documented value: a leaf is a key whose schema has no `properties` (a scalar, a list,
 * or a free-form object such as `resources`), or whose default is an empty map. Throws on a key the schema does not know, a
 * schema property values.yaml lacks, or a leaf without a comment.
 */
export function valueDocs(valuesYaml: string, schema: SchemaNode): ValueDoc[] {
  const doc = parseDocument(valuesYaml);
  if (doc.errors.length > 0) throw new Error(`values.yaml: ${doc.errors[0]?.message}`);
  const values = doc.toJS() as Record<string, unknown>;
  const defaultAt = (path: readonly string[]): unknown =>
    path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
  const docs: ValueDoc[] = [];
  const walk = (map: YAMLMap, node: SchemaNode, prefix: string, firstComment: string): void => {
    const seen = new Set<string>();
    map.items.forEach((pair: Pair, index) => {
      if (!isScalar(pair.key)) throw new Error(`values.yaml: a non-scalar key under ${prefix}`);
      const name = String(pair.key.value);
      const key = `${prefix}${name}`;
      seen.add(name);
      const child = node.properties?.[name];
      if (child === undefined) throw new Error(`values.yaml: ${key} is not in values.schema.json`);
      // The comment above the first key of a map is attached to the map itself.
      const comment = commentText(pair.key.commentBefore) || (index === 0 ? firstComment : '');
      // A structured value is documented key by key, unless it is empty by default
      // (`namespaceSelector: {}`): then it is one row, typed by the schema.
      if (child.properties !== undefined && isMap(pair.value) && pair.value.items.length > 0) {
        walk(pair.value, child, `${key}.`, commentText(pair.value.commentBefore));
        return;
      }
      if (comment === '') throw new Error(`values.yaml: ${key} has no comment to document it`);
      docs.push({
        key,
        type: typeOf(child),
        default: defaultAt(key.split('.')),
        description: comment,
      });
    });
    for (const name of Object.keys(node.properties ?? {})) {
      if (name !== 'global' && !seen.has(name)) {
        throw new Error(`values.schema.json: ${prefix}${name} is not in values.yaml`);
      }
    }
  };
  if (!isMap(doc.contents)) throw new Error('values.yaml: not a map');
  walk(doc.contents, schema, '', '');
  return docs;
}

export function valuesTable(docs: readonly ValueDoc[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = docs.map(
    (d) =>
      `| \`${d.key}\` | ${d.type} | \`${cell(JSON.stringify(d.default))}\` | ${cell(d.description)} |`,
  );
  return ['| key | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The README with its values table (between the markers) regenerated. */
export function withValuesTable(readme: string, valuesYaml: string, schema: SchemaNode): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the chart README lacks the ${BEGIN} markers`);
  const table = valuesTable(valueDocs(valuesYaml, schema));
  return `${readme.slice(0, start)}${BEGIN}\n<!-- prettier-ignore-start -->\n\n${table}\n\n<!-- prettier-ignore-end -->\n${readme.slice(end)}`;
}
