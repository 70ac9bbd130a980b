import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addOneOrMany } from './one-or-many.js';

describe('addOneOrMany', () => {
  it('keeps a key’s only value as itself and several as a list, in the order added', () => {
    const map = new Map<string, { n: number } | { n: number }[]>();
    const [a, b, c, d] = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];
    addOneOrMany(map, 'x', a);
    addOneOrMany(map, 'y', b);
    assert.equal(map.get('x'), a);
    addOneOrMany(map, 'x', c);
    addOneOrMany(map, 'x', d);
    assert.deepEqual(map.get('x'), [a, c, d]);
    assert.equal(map.get('y'), b);
    assert.deepEqual([...map.keys()], ['x', 'y']);
  });
});
