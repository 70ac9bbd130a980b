import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnnotations } from '../../core/annotations/parse.js';
import type { KubeResource } from '../kube/reflector.js';
import { ParseCache, type AnnotationParser } from './parse-cache.js';

const P = 'route53.v1beta1.tetrate.io/';

function counting(): { parse: AnnotationParser; calls: () => number } {
  let calls = 0;
  return {
    parse: (annotations, ctx) => {
      calls++;
      return parseAnnotations(annotations, ctx);
    },
    calls: () => calls,
  };
}

const object = (uid: string | undefined, resourceVersion: string | undefined, host: string) =>
  ({
    metadata: {
      name: 'gw',
      namespace: 'ns',
      ...(uid !== undefined && { uid }),
      ...(resourceVersion !== undefined && { resourceVersion }),
      annotations: { [`${P}hostname`]: host },
    },
  }) satisfies KubeResource;

const ctx = { kind: 'istio-gateway' as const, controllerName: 'aws-controller' };

describe('ParseCache', () => {
  it('reads an object once per resourceVersion, and again when it changes', () => {
    const parser = counting();
    const cache = new ParseCache(parser.parse);
    const first = cache.read(object('u1', '10', 'a.example.com'), 'istio-gateway', ctx);
    const again = cache.read(object('u1', '10', 'a.example.com'), 'istio-gateway', ctx);
    assert.equal(parser.calls(), 1);
    assert.equal(again, first, 'the same reading');
    const changed = cache.read(object('u1', '11', 'b.example.com'), 'istio-gateway', ctx);
    assert.equal(parser.calls(), 2);
    assert.deepEqual(changed.spec?.hostnames, ['b.example.com']);
  });

  it('tells objects apart by uid and kind, and readings by controller name', () => {
    const parser = counting();
    const cache = new ParseCache(parser.parse);
    cache.read(object('u1', '10', 'a.example.com'), 'istio-gateway', ctx);
    cache.read(object('u2', '10', 'a.example.com'), 'istio-gateway', ctx);
    cache.read(object('u1', '10', 'a.example.com'), 'gateway-api-gateway', ctx);
    cache.read(object('u1', '10', 'a.example.com'), 'istio-gateway', {
      ...ctx,
      controllerName: 'other',
    });
    assert.equal(parser.calls(), 4);
  });

  it('never keeps a reading of an object without uid or resourceVersion', () => {
    const parser = counting();
    const cache = new ParseCache(parser.parse);
    cache.read(object(undefined, '10', 'a.example.com'), 'istio-gateway', ctx);
    cache.read(object(undefined, '10', 'a.example.com'), 'istio-gateway', ctx);
    cache.read(object('u1', undefined, 'a.example.com'), 'istio-gateway', ctx);
    assert.equal(parser.calls(), 3);
    assert.equal(cache.size, 0);
  });

  it('keeps no reading of an object without annotations, and reads it the same', () => {
    const parser = counting();
    const cache = new ParseCache(parser.parse);
    const bare: KubeResource = {
      metadata: { name: 'gw', namespace: 'ns', uid: 'u1', resourceVersion: '1' },
    };
    const empty: KubeResource = { metadata: { ...bare.metadata, uid: 'u2', annotations: {} } };
    for (const o of [bare, bare, empty]) {
      assert.deepEqual(
        cache.read(o, 'istio-gateway', ctx),
        parseAnnotations(o.metadata?.annotations, ctx),
      );
    }
    assert.equal(parser.calls(), 3);
    assert.equal(cache.size, 0);
  });

  it('forgets, at the end of a pass, every object that pass did not read', () => {
    const parser = counting();
    const cache = new ParseCache(parser.parse);
    for (let i = 0; i < 100; i++) {
      cache.read(object(`u${i}`, '1', 'a.example.com'), 'istio-gateway', ctx);
    }
    cache.sweep();
    assert.equal(cache.size, 100);
    // The next pass sees only three of them: the others were deleted.
    for (const i of [3, 50, 99]) {
      cache.read(object(`u${i}`, '1', 'a.example.com'), 'istio-gateway', ctx);
    }
    cache.sweep();
    assert.equal(cache.size, 3);
    assert.equal(parser.calls(), 100, 'the three were not read again');
    cache.sweep();
    assert.equal(cache.size, 0, 'a pass that read nothing leaves nothing');
  });
});
