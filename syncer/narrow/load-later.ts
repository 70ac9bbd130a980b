// A dependency loaded on first use instead of at start-up, for the stand-ins the `syncer`
// command's resolve hook puts in place of a library's own imports (hooks.ts). Every module
// loaded keeps its source and compiled functions in V8's heap for the life of the process.
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * `specifier`, loaded once, when the returned function is first called. It is resolved from
 * here, not from the module whose import was replaced: that module's imports are what the
 * hook redirects, so resolving from it would come back to the stand-in. With npm's flat
 * layout both find the same file; stand-ins.test.ts checks that they still do.
 */
export function loadLater<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(specifier) as T);
}
