import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childText, parseXml, serializeXml, XmlError } from './xml.js';

describe('parseXml', () => {
  it('reads elements, attributes, entities, character references and CDATA', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><R xmlns="urn:x" a=\'1\'>' +
        '<V>&quot;a &amp; b&quot; &#65;&#x42;</V><C><![CDATA[<raw>&amp;]]></C><E/></R>',
    );
    assert.equal(root.name, 'R');
    assert.deepEqual(root.attributes, { xmlns: 'urn:x', a: '1' });
    assert.equal(childText(root, 'V'), '"a & b" AB');
    assert.equal(childText(root, 'C'), '<raw>&amp;');
    assert.equal(childText(root, 'E'), '');
    assert.equal(childText(root, 'Missing'), undefined);
  });

  const malformed: [string, string][] = [
    ['<a><b></a>', 'mismatched end tag'],
    ['<a>', 'unclosed element'],
    ['<a>x & y</a>', 'bare ampersand'],
    ['<a>&bogus;</a>', 'unknown entity'],
    ['<a>&#0;</a>', 'invalid character reference'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'DOCTYPE'],
    ['<a/><b/>', 'two roots'],
    ['<a b="1"c="2"/>', 'attributes without space'],
  ];
  for (const [input, why] of malformed) {
    it(`rejects ${why}`, () => assert.throws(() => parseXml(input), XmlError));
  }

  it('round-trips through serializeXml', () => {
    const text = '<R a="&quot;"><N>*.x &lt;y&gt;</N><E/></R>';
    assert.equal(serializeXml(parseXml(text), false), text);
  });
});
