// Registers the `syncer` command's resolve hook (hooks.ts), which loads @kubernetes/client-node's
// KubeConfig without its generated API and defers what it and prom-client load for calls the
// syncer rarely makes: measured on Node 20, KubeConfig and Watch alone then cost ~10 MiB of
// heap and ~85 MiB RSS instead of ~34 MiB and ~120 MiB. Call before anything imports
// client-node or prom-client; a process that loaded them already (a test importing
// client-node's index) keeps what it loaded, and works the same.
import * as nodeModule from 'node:module';
import { resolveSync, type ResolveContext, type ResolveResult } from './hooks.js';

/**
 * `module.registerHooks` (Node ≥ 22.15 and 23.5, so the product's Node 24): hooks that run
 * synchronously on the thread that loads the module. `module.register` (all Node 20+) runs
 * them in a loader thread with its own V8 isolate, which costs ~10 MiB RSS for the life of the
 * process; it is used only where registerHooks is missing. @types/node 20 does not know it.
 */
type RegisterHooks = (hooks: {
  resolve: (
    specifier: string,
    context: ResolveContext,
    next: (specifier: string, context: ResolveContext) => ResolveResult,
  ) => ResolveResult;
}) => unknown;

let registered = false;

export function loadDependenciesNarrowly(): void {
  if (registered) return;
  registered = true;
  const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks === 'function') registerHooks({ resolve: resolveSync });
  else nodeModule.register('./hooks.js', import.meta.url);
}
