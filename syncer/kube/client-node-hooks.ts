// Module resolution hook (node:module register) for the `syncer` command: client-node's
// config module imports two names from the generated code's index, and that index loads the
// whole generated API (~860 modules, ~23 MiB of heap kept for their source). This points that
// one import, from that one module, at client-node-config-deps.js, which defines the same two
// names from their own small modules. Every other import resolves as usual.
interface ResolveContext {
  parentURL?: string;
}
interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

const CONFIG_MODULE = '/node_modules/@kubernetes/client-node/dist/config.js';
const DEPS = new URL('./client-node-config-deps.js', import.meta.url).href;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: NextResolve,
): Promise<ResolveResult> {
  if (specifier === './gen/index.js' && context.parentURL?.endsWith(CONFIG_MODULE) === true) {
    return { url: DEPS, shortCircuit: true };
  }
  return next(specifier, context);
}
