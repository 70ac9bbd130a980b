// Module resolution hook for the `syncer` command (narrow-client-node.ts registers it):
// client-node's config module imports two names from the generated code's index, and that
// index loads the whole generated API (~860 modules, ~23 MiB of heap kept for their source).
// This points that one import, from that one module, at client-node-config-deps.js, which
// defines the same two names from their own small modules. Every other import resolves as
// usual. `resolve` is the loader-thread form (module.register), `resolveSync` the in-thread
// form (module.registerHooks).
export interface ResolveContext {
  parentURL?: string;
}
export interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

const CONFIG_MODULE = '/node_modules/@kubernetes/client-node/dist/config.js';
const DEPS = new URL('./client-node-config-deps.js', import.meta.url).href;

/** The replacement for this import, or undefined to resolve it as usual. */
function redirect(specifier: string, context: ResolveContext): ResolveResult | undefined {
  if (specifier === './gen/index.js' && context.parentURL?.endsWith(CONFIG_MODULE) === true) {
    return { url: DEPS, shortCircuit: true };
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
