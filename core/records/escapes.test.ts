import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeEscapes } from './escapes.js';

describe('decodeEscapes', () => {
  const cases: [string, string][] = [
    ['\\052.example.com', '*.example.com'],
    ['\\134', '\\'],
    ['a\\"b', 'a"b'],
    ['caf\\303\\251', 'café'],
    ['plain', 'plain'],
    ['ümlaut', 'ümlaut'],
    ['ü\\052', 'ü*'],
  ];
  for (const [input, expected] of cases) {
    it(`decodes ${input}`, () => {
      assert.equal(decodeEscapes(input), expected);
    });
  }
  it('leaves text without backslashes unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\\')),
        (s) => {
          assert.equal(decodeEscapes(s), s);
        },
      ),
    );
  });
  it('decodes any UTF-8 text fully escaped as octal bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        const escaped = [...new TextEncoder().encode(s)]
          .map((b) => `\\${b.toString(8).padStart(3, '0')}`)
          .join('');
        assert.equal(decodeEscapes(escaped), s);
      }),
    );
  });
});
