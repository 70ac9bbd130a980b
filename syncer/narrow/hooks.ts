// Module resolution hook for the `syncer` command (narrow-client-node.ts registers it). Two
// imports made inside client-node resolve elsewhere:
// - the generated code's index, imported by the config module (KubeConfig), which loads the
//   whole generated API (~860 modules, ~23 MiB of heap kept for their source) for two names:
//   client-node-config-deps.js defines the same two from their own small modules;
// - undici, from any of client-node's modules, for calls the syncer never has them make:
//   client-node-undici.js loads it on first use.
// Every other import resolves as usual. `resolve` is the loader-thread form
// (module.register), `resolveSync` the in-thread form (module.registerHooks).
export interface ResolveContext {
  parentURL?: string;
}
export interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

const CLIENT_NODE = '/node_modules/@kubernetes/client-node/dist/';
const CONFIG_MODULE = `${CLIENT_NODE}config.js`;
const CONFIG_DEPS = new URL('./client-node-config-deps.js', import.meta.url).href;
const UNDICI = new URL('./client-node-undici.js', import.meta.url).href;

/** The replacement for this import, or undefined to resolve it as usual. */
function redirect(specifier: string, context: ResolveContext): ResolveResult | undefined {
  const parent = context.parentURL ?? '';
  if (specifier === './gen/index.js' && parent.endsWith(CONFIG_MODULE)) {
    return { url: CONFIG_DEPS, shortCircuit: true };
  }
  if (specifier === 'undici' && parent.includes(CLIENT_NODE)) {
    return { url: UNDICI, shortCircuit: true };
  }
  return undefined;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<ResolveResult> {
  return redirect(specifier, context) ?? next(specifier, context);
}

export function resolveSync(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => ResolveResult,
): ResolveResult {
  return redirect(specifier, context) ?? next(specifier, context);
}
