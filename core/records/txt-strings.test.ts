import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_TXT_STRING, formatTxtValue, parseTxtValue } from './txt-strings.js';

describe('parseTxtValue', () => {
  const cases: [string, string][] = [
    ['"heritage=aws-controller"', 'heritage=aws-controller'],
    ['"a" "b"', 'ab'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"caf\\303\\251"', 'café'],
    ['unquoted', 'unquoted'],
    ['""', ''],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${input}`, () => {
      assert.equal(parseTxtValue(input), expected);
    });
  }
});

describe('formatTxtValue', () => {
  it('writes a short text as one quoted string', () => {
    assert.equal(formatTxtValue('heritage=aws-controller'), '"heritage=aws-controller"');
  });
  it('splits a long text into strings of at most 255 characters', () => {
    const value = formatTxtValue('x'.repeat(300));
    assert.equal(value, `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
  });
  it('round-trips through parseTxtValue, each string within the DNS limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (text) => {
        const value = formatTxtValue(text);
        assert.equal(parseTxtValue(value), text);
        for (const match of value.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
          assert.ok(parseTxtValue(`"${match[1] ?? ''}"`).length <= MAX_TXT_STRING);
        }
      }),
    );
  });
});
