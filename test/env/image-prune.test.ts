// Which old test images a build removes (test/env/image.ts): the pure choice; the removal itself
// runs with every build of the image suite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staleImageTags } from './image.js';

describe('staleImageTags', () => {
  const images = [
    { tag: 'test-aaa', created: 1796119200 },
    { tag: 'test-ccc', created: 1796194800 },
    { tag: 'test-bbb', created: 1796126400 },
    { tag: 'test-ddd', created: 1796029200 },
    { tag: 'test-now', created: 1796196600 },
    { tag: 'release', created: 1793491200 },
  ];

  it('keeps the current image and the newest others, removes the rest', () => {
    assert.deepEqual(staleImageTags(images, 'test-now', 2), ['test-aaa', 'test-ddd']);
  });

  it("never removes an image that is not a test build's", () => {
    assert.ok(!staleImageTags(images, 'test-now', 0).includes('release'));
    assert.deepEqual(staleImageTags(images, 'test-now', 0).length, 4);
  });

  it('counts a tag once, however many times podman lists it', () => {
    // podman lists an image of several tags once per tag, each entry naming them all.
    const one = [
      { tag: 'test-x', created: 3 },
      { tag: 'test-y', created: 3 },
      { tag: 'test-z', created: 3 },
    ];
    const listed = [...one, ...one, ...one];
    assert.equal(staleImageTags(listed, 'test-now', 2).length, 1);
  });

  it('removes nothing while there are no more than it keeps', () => {
    assert.deepEqual(staleImageTags(images.slice(0, 2), 'test-now', 2), []);
  });
});
