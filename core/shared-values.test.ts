import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedValues } from './shared-values.js';

describe('SharedValues', () => {
  it('hands out the value first made for a key, and makes it once', () => {
    const shared = new SharedValues<string[]>(4);
    let made = 0;
    const make = () => {
      made++;
      return ['x'];
    };
    const first = shared.get('k', make);
    assert.equal(shared.get('k', make), first);
    assert.equal(made, 1);
    assert.notEqual(shared.get('other', make), first);
  });

  it('starts afresh past its bound, and values handed out before stay as they were', () => {
    const shared = new SharedValues<{ n: number }>(3);
    const early = shared.get('0', () => ({ n: 0 }));
    for (let n = 1; n < 10; n++)
      assert.deepEqual(
        shared.get(String(n), () => ({ n })),
        { n },
      );
    assert.deepEqual(early, { n: 0 });
    // Forgotten past the bound: made again, an equal value but a new one.
    const again = shared.get('0', () => ({ n: 0 }));
    assert.deepEqual(again, { n: 0 });
    assert.notEqual(again, early);
  });
});
