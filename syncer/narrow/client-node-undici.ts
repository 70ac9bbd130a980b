// What @kubernetes/client-node's modules take from undici, loaded only when used: the `syncer`
// command resolves their `undici` to this module (hooks.ts). KubeConfig's modules use undici
// only for client-node's own fetch-based calls (an Agent for its dispatcher, the generated
// API's fetch), which the syncer does not make: transport.ts goes through node:https. Loading
// undici's index alone costs an idle syncer several MiB of RSS (docs/benchmarks.md, Memory).
// Should anything use one of these, undici is loaded then, and what it gets is undici's own.
import type * as UndiciModule from 'undici';
import { loadLater } from './load-later.js';

type Undici = typeof UndiciModule;

const undici = loadLater<Undici>('undici');

// A constructor that returns another object makes `new Agent(…)` give undici's Agent itself.
export const Agent = function Agent(...args: ConstructorParameters<Undici['Agent']>) {
  return new (undici().Agent)(...args);
} as unknown as Undici['Agent'];

export const ProxyAgent = function ProxyAgent(
  ...args: ConstructorParameters<Undici['ProxyAgent']>
) {
  return new (undici().ProxyAgent)(...args);
} as unknown as Undici['ProxyAgent'];

export const fetch: Undici['fetch'] = (...args) => undici().fetch(...args);
