// Module resolution hook for the `syncer` command (register.ts registers it). A few imports
// made inside the libraries it uses resolve to a module of ours instead (a stand-in):
// - client-node's generated code's index, imported by the config module (KubeConfig), which
//   loads the whole generated API (~860 modules, ~23 MiB of heap kept for their source) for
//   two names: client-node-config-deps.js defines the same two from their own small modules;
// - dependencies loaded for calls the syncer makes rarely or never, which their stand-ins load
//   on first use: undici from any of client-node's modules, the auth-provider modules, the
//   SOCKS proxy packages and js-yaml from its config module, @opentelemetry/api from
//   prom-client, and node:http2 from the AWS SDK's HTTP handler (see each stand-in for what
//   it defers and why).
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
const CLIENT_NODE_CONFIG = `${CLIENT_NODE}config.js`;
const PROM_CLIENT = '/node_modules/prom-client/';
const SMITHY_HTTP_HANDLER = '/node_modules/@smithy/node-http-handler/';

interface Redirect {
  specifier: string;
  /** What the importing module's URL contains: a library's directory, or one file of it. */
  importer: string;
  /** The stand-in, beside this module. */
  standIn: string;
}

export const REDIRECTS: readonly Redirect[] = [
  {
    specifier: './gen/index.js',
    importer: CLIENT_NODE_CONFIG,
    standIn: 'client-node-config-deps.js',
  },
  { specifier: 'undici', importer: CLIENT_NODE, standIn: 'client-node-undici.js' },
  { specifier: './oidc_auth.js', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-auth.js' },
  { specifier: './azure_auth.js', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-auth.js' },
  { specifier: './gcp_auth.js', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-auth.js' },
  { specifier: 'socks-proxy-agent', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-socks.js' },
  { specifier: 'socks', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-socks.js' },
  { specifier: 'js-yaml', importer: CLIENT_NODE_CONFIG, standIn: 'client-node-yaml.js' },
  { specifier: '@opentelemetry/api', importer: PROM_CLIENT, standIn: 'prom-client-otel.js' },
  { specifier: 'node:http2', importer: SMITHY_HTTP_HANDLER, standIn: 'smithy-http2.js' },
];

const STAND_INS = new Map(
  REDIRECTS.map((r) => [
    r.specifier,
    { ...r, url: new URL(`./${r.standIn}`, import.meta.url).href },
  ]),
);

/** The replacement for this import, or undefined to resolve it as usual. */
function redirect(specifier: string, context: ResolveContext): ResolveResult | undefined {
  const found = STAND_INS.get(specifier);
  if (found === undefined || !(context.parentURL ?? '').includes(found.importer)) return undefined;
  return { url: found.url, shortCircuit: true };
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
