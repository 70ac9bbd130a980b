// Annotation readings kept across reconciles: every reconcile reads every watched object (a
// Gateway API Gateway once more for each route attached to it), and an object's annotations
// cannot change without its resourceVersion changing. One Gateway of 15,000 names with 40
// routes was parsed 41 times per reconcile.
import {
  parseAnnotations,
  type ParseContext,
  type ParseResult,
} from '../../core/annotations/parse.js';
import { describeCluster } from '../../core/annotations/cluster.js';
import type { ObjectKind } from '../../core/kinds.js';
import type { KubeResource } from '../kube/reflector.js';

export type AnnotationParser = typeof parseAnnotations;

const hasAny = (annotations: object | undefined): boolean => {
  for (const key in annotations) if (Object.hasOwn(annotations, key)) return true;
  return false;
};

interface Entry {
  version: string;
  result: ParseResult;
  /** The pass that last read it: what sweep() keeps. */
  pass: number;
}

/**
 * Readings by object identity (kind and uid) and version (resourceVersion and the context it
 * was read in). Bounded by the watch caches: `sweep()`, at the end of each pass over them,
 * drops the readings of objects that pass did not read (deleted, or no longer watched).
 */
export class ParseCache {
  readonly #parse: AnnotationParser;
  readonly #entries = new Map<string, Entry>();
  #pass = 0;

  constructor(parse: AnnotationParser = parseAnnotations) {
    this.#parse = parse;
  }

  read(object: KubeResource, kind: ObjectKind, ctx: ParseContext): ParseResult {
    const { uid, resourceVersion } = object.metadata ?? {};
    const annotations = object.metadata?.annotations;
    // Without both there is no identity to trust (objects read from files, in plan). Without
    // annotations there is nothing worth keeping: reading none costs less than the entry
    // would hold (~300 bytes per object, and most objects name their hosts in the spec alone).
    if (!uid || !resourceVersion || !hasAny(annotations)) return this.#parse(annotations, ctx);
    const key = `${kind}/${uid}`;
    const version = `${resourceVersion}/${ctx.controllerName ?? ''}/${String(ctx.headless)}/${describeCluster(ctx.cluster)}`;
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.version === version) {
      entry.pass = this.#pass;
      return entry.result;
    }
    const result = this.#parse(annotations, ctx);
    this.#entries.set(key, { version, result, pass: this.#pass });
    return result;
  }

  /** Forgets an object's reading (it was deleted). */
  forget(object: KubeResource, kind: ObjectKind): void {
    const uid = object.metadata?.uid;
    if (uid) this.#entries.delete(`${kind}/${uid}`);
  }

  /** Ends a pass: forgets every object it did not read. */
  sweep(): void {
    for (const [key, entry] of this.#entries) {
      if (entry.pass !== this.#pass) this.#entries.delete(key);
    }
    this.#pass++;
  }

  get size(): number {
    return this.#entries.size;
  }
}
