import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { jsonDocuments } from './json-documents.js';
import { ManifestError, parseManifestText, readManifests } from './manifests.js';
import { simpleDocuments, UNSUPPORTED } from './simple-yaml.js';

/** What the `yaml` package alone reads from the text: the reference for the fast readers. */
function reference(text: string): unknown[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  for (const d of list) assert.deepEqual(d.errors, [], `the reference fails on ${text}`);
  return list.map((d) => d.toJS() as unknown);
}

/** The simple reader's values, with UNSUPPORTED for the documents it leaves to `yaml`. */
function fast(text: string): unknown[] | typeof UNSUPPORTED {
  const documents = simpleDocuments(text);
  return documents === UNSUPPORTED ? UNSUPPORTED : documents.map((d) => d.value);
}

describe('the simple YAML reader', () => {
  // Each handled case: the simple reader reads it itself, and reads what `yaml` reads.
  const handled: [string, string][] = [
    ['a Gateway', 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\n'],
    ['a sequence at its key', 'a:\n- x\n- y\nb: 1\n'],
    ['an indented sequence', 'a:\n  - x\n  -   y\nb: 1\n'],
    ['mappings in a sequence', 'a:\n- k: 1\n  v: 2\n-   k: 3\n    l:\n    - z\nb: ~\n'],
    ['nested items', 'a:\n-\n  - x\n- \n  k: v\n-\nb: 1\n'],
    ['a key with nothing after it', 'a:\nb:\n  c:\nd: 1'],
    [
      'core-schema scalars',
      'a: 007\nb: -12\nc: +3\nd: 1.50\ne: 1e3\nf: .5\ng: 1.\nh: 0o17\ni: 0x1F\nj: .inf\nk: -.Inf\nl: .NaN\nm: Null\nn: TRUE\no: false\np: 2026-01-01T00:00:00Z\nq: 1_000\nr: 0x\ns: "1"\nt: +.5e-3\n',
    ],
    [
      'keys that look like other things',
      '"1": a\n\'true\': b\nnull-ish: c\na:b: d\n-x: e\nk.io/name: f\n',
    ],
    ['quotes', "a: \"it's # here\"\nb: 'say ''hi'''\nc: \"\"\nd: ''\ne: \" padded \"\n"],
    [
      'comments',
      '# head\na: b # tail\nc: d#not a comment\n  # indented comment\ne: # nothing\n  f: g\nh: "x" # after quotes\n',
    ],
    [
      'plain scalars with indicators inside',
      'a: x:y\nb: http://h:80/p?q=1&r\nc: a, b [c] {d}\nd: -1x\ne: 50%\nf: x-\n',
    ],
    [
      'flow collections',
      'a: {number: 80, name: http, protocol: HTTP}\nb: [x, "y", 1, {k: v}, []]\nc: {}\nd: [ ]\ne: {k: [1, 2]} # c\n',
    ],
    ['a mapping indented as a whole', '  a: 1\n  b:\n    c: 2\n'],
    ['several documents', '---\na: 1\n---\n---\n# only a comment\n---\nb: [2]\n'],
    ['comments before the first marker', '# c\n\n---\na: 1\n'],
    ['empty text', ''],
    ['a trailing marker', 'a: 1\n---\n'],
    // YAML 1.2 has no merge keys: `<<` is a key like any other.
    ['a merge-like key', 'a: {x: 1}\nb:\n  <<: {y: 2}\n'],
  ];
  for (const [name, text] of handled) {
    it(`reads ${name} itself, as the yaml package does`, () => {
      const values = fast(text);
      assert.notEqual(values, UNSUPPORTED);
      assert.ok(!(values as unknown[]).includes(UNSUPPORTED), 'a document was left to yaml');
      assert.deepEqual(values, reference(text));
    });
  }

  // Each left to `yaml`: the simple reader must not guess.
  const leftToYaml: [string, string][] = [
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['block scalars', 'a: |\n  line\nb: >-\n  folded\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line quoted scalars', 'a: "one\n  two"\n'],
    ['escapes', 'a: "tab\\there"\n'],
    ['multi-line flow', 'a: [1,\n  2]\n'],
    ['complex keys', '? a\n: b\n'],
    ['numeric keys', '1: a\ntrue: b\n'],
    ['a repeated key (an error)', 'a: 1\na: 2\n'],
    ['a list document', '- a\n- b\n'],
    ['a scalar document', 'just text\n'],
    ['a value that is a mapping (an error)', 'a: b: c\n'],
    ['flow plain scalars with colons', 'a: {url: http://x}\n'],
    ['a trailing flow comma', 'a: [1, 2, ]\n'],
    ['a prototype key', '__proto__: {a: 1}\n'],
    ['a key over 1024 characters (an error)', `${'k'.repeat(1100)}: v\n`],
  ];
  for (const [name, text] of leftToYaml) {
    it(`leaves ${name} to the yaml package`, () => {
      const values = fast(text);
      assert.ok(values === UNSUPPORTED || values.includes(UNSUPPORTED));
    });
  }
  const wholeText: [string, string][] = [
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['content on the marker line', '--- {a: 1}\n'],
    ['tabs', 'a:\t1\n'],
    ['carriage returns', 'a: 1\r\nb: 2\r\n'],
    ['a byte order mark', '\ufeffa: 1\n'],
  ];
  for (const [name, text] of wholeText) {
    it(`leaves a text with ${name} to the yaml package`, () => {
      assert.equal(fast(text), UNSUPPORTED);
    });
  }

  it('reads whatever the yaml package writes as the yaml package reads it, or leaves it', () => {
    const scalar = fc.oneof(
      fc.constantFrom(
        'null',
        '~',
        'true',
        'False',
        '1',
        '-0',
        '007',
        '0x1F',
        '0o7',
        '1.5',
        '.5',
        '1e3',
        '.inf',
        '.NaN',
        'a: b',
        'a #b',
        '#x',
        '- a',
        "it's",
        'say "hi"',
        ' pad ',
        '',
        'a:b',
        '[x]',
        '{y}',
        'x, y',
        '&a',
        '*a',
        '!t',
        '|',
        '>',
        '@',
        '`',
        '%',
        '?',
        'http://h:80/p',
        'two\nlines',
        'tab\there',
        '2026-01-01T00:00:00Z',
        'gw-1.z1.plan.example',
        '__proto__x',
        'a\\b',
      ),
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(
      fc.constantFrom('apiVersion', 'kind', 'name', 'k.io/x', 'a b', 'true', '1', 'null', '-k'),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), tie('seq')),
      map: fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
      seq: fc.array(tie('tree'), { maxLength: 4 }),
    }));
    const document = fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 });
    const options = fc.record({
      flowLevel: fc.constantFrom(undefined, 1, 2, 3),
      indentSeq: fc.boolean(),
      indent: fc.constantFrom(2, 4),
      defaultStringType: fc.constantFrom<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'>(
        'PLAIN',
        'QUOTE_DOUBLE',
        'QUOTE_SINGLE',
      ),
      defaultKeyType: fc.constantFrom<null | 'PLAIN' | 'QUOTE_DOUBLE'>(
        null,
        'PLAIN',
        'QUOTE_DOUBLE',
      ),
    });
    let readItself = 0;
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), options, (docs, opts) => {
        const text = docs
          .map((d) => stringify(d, { ...opts, lineWidth: 0, minContentWidth: 0 }))
          .join('---\n');
        const expected = reference(text);
        const values = fast(text);
        if (values === UNSUPPORTED) return;
        assert.equal(values.length, expected.length);
        values.forEach((value, i) => {
          if (value === UNSUPPORTED) return;
          readItself++;
          assert.deepEqual(value, expected[i], text);
        });
      }),
      { numRuns: 600 },
    );
    // The property proves nothing if the reader leaves everything to yaml.
    assert.ok(readItself > 300, `only ${readItself} documents read by the simple reader`);
  });
});

describe('JSON documents', () => {
  it('reads one object, a List and a stream of documents with JSON.parse', () => {
    assert.deepEqual(jsonDocuments(' {"a": 1}\n'), [{ a: 1 }]);
    assert.deepEqual(jsonDocuments('{"kind":"List","items":[{"a":"}\\""}]}'), [
      { kind: 'List', items: [{ a: '}"' }] },
    ]);
    assert.deepEqual(jsonDocuments('{"a": 1}\n{"b": [2]}\n[3]'), [{ a: 1 }, { b: [2] }, [3]]);
  });

  it('leaves to the YAML path what is not a stream of JSON objects or has a repeated key', () => {
    for (const text of [
      'a: 1',
      '{"a": 1} x',
      '{"a": 1',
      '{"a": 1}}',
      '1',
      '{"a": 1, "a": 2}',
      '{"a": {"b": 1, "b": 1}}',
      '{"a": tru}',
    ]) {
      assert.equal(jsonDocuments(text), undefined, text);
    }
    // A key written once per object, however often across objects, is fine.
    assert.deepEqual(jsonDocuments('[{"a": 1}, {"a": 2}]'), [[{ a: 1 }, { a: 2 }]]);
  });

  it('finds where every string ends, escaped quotes and backslashes included', () => {
    // Strings of quotes, backslashes, braces and colons: a string end found wrongly shifts
    // the documents' bounds or the count of keys, and the text is left to YAML.
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ':', 'a', ' ') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(tricky, tie('node'), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).node;
    const document = fc.oneof(
      fc.array(value, { maxLength: 4 }),
      fc.dictionary(tricky, value, { maxKeys: 4, noNullPrototype: true }),
    );
    fc.assert(
      fc.property(
        fc.array(document, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (docs, indent) => {
          const text = docs.map((d) => JSON.stringify(d, null, indent ? 4 : undefined)).join('\n');
          assert.deepEqual(jsonDocuments(text), docs);
          // The same key twice in the first object that has one: left to YAML.
          const repeated = text.replace(/^(\s*\{\s*)("(?:[^"\\]|\\.)*"\s*:)/, '$1$2 1, $2');
          if (repeated !== text) assert.equal(jsonDocuments(repeated), undefined, repeated);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseManifestText', () => {
  it('names the file and document of an object in a multi-document text', async () => {
    const manifests = await parseManifestText(
      'kind: A\n---\nkind: List\nitems:\n- kind: B\n- kind: C\n',
      'f.yaml',
    );
    assert.deepEqual(
      manifests.map((m) => [m.object.kind, m.source]),
      [
        ['A', 'f.yaml (document 1)'],
        ['B', 'f.yaml (document 2) item 1'],
        ['C', 'f.yaml (document 2) item 2'],
      ],
    );
  });

  it('reads documents the simple reader leaves alongside those it reads', async () => {
    const text = 'kind: A\n---\nkind: B\nx: &a 1\ny: *a\n---\nkind: C\nz: |\n  text\n';
    assert.deepEqual(
      (await parseManifestText(text, 'f')).map((m) => m.object),
      reference(text),
    );
  });

  it('reads a stream of JSON documents, each named', async () => {
    const manifests = await parseManifestText('{"kind":"A"}\n{"kind":"B"}\n', 'f.json');
    assert.deepEqual(
      manifests.map((m) => [m.object.kind, m.source]),
      [
        ['A', 'f.json (document 1)'],
        ['B', 'f.json (document 2)'],
      ],
    );
  });

  it("words errors as the yaml package does, with the document's index and the file's line", async () => {
    const text = 'kind: A\n---\nkind: B\n---\nkind: C\nx: [1,\n---\nkind: D\n';
    await assert.rejects(parseManifestText(text, 'f.yaml'), (err: unknown) => {
      assert.ok(err instanceof ManifestError);
      const [, , third] = parseAllDocuments(text) as unknown as { errors: Error[] }[];
      assert.equal(err.message, `f.yaml (document 3): ${third?.errors[0]?.message}`);
      assert.match(err.message, /at line 7, column 1/);
      return true;
    });
    await assert.rejects(
      parseManifestText('kind: A\nkind: B\n', 'f.yaml'),
      /^Error: f\.yaml: Map keys must be unique/,
    );
    // A repeated key in JSON is refused as in YAML, not silently taken as the last one.
    await assert.rejects(
      parseManifestText('{"kind": "A", "kind": "B"}', 'f.json'),
      /f\.json: Map keys must be unique/,
    );
    await assert.rejects(parseManifestText('{"kind": "A"', 'f.json'), /^Error: f\.json: .*line 1/);
    // A document that is not an object is refused wherever it comes from.
    await assert.rejects(
      parseManifestText('kind: A\n---\n- a\n', 'f.yaml'),
      /f\.yaml \(document 2\): a document must be a Kubernetes object/,
    );
  });

  it('reads files and folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifests-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'kind: A\n');
      await writeFile(join(dir, 'b.json'), '{"kind": "B"}');
      await writeFile(join(dir, 'c.txt'), 'not read');
      const manifests = await readManifests([dir], () => Promise.resolve(''));
      assert.deepEqual(
        manifests.map((m) => m.object.kind),
        ['A', 'B'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a List larger than a spread of arguments can carry, and stdin alike', async () => {
    // kubectl get -o json of a large cluster: more items than fit in one call's arguments.
    const count = 200_000;
    const items = Array.from({ length: count }, (_, i) => ({
      kind: 'ConfigMap',
      metadata: { name: `c${i}` },
    }));
    const text = JSON.stringify({ kind: 'List', items });
    const manifests = await readManifests(['-'], () => Promise.resolve(text));
    assert.equal(manifests.length, count);
    assert.equal(manifests[count - 1]?.object.metadata?.name, `c${count - 1}`);
  });
});
