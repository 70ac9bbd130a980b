// The proxy Route 53 calls take, read from the environment as the AWS CLI and external-dns
// (Go's ProxyFromEnvironment) read it: HTTPS_PROXY for https endpoints (Route 53's), HTTP_PROXY
// for http ones (moto in tests), NO_PROXY for hosts reached directly; a lower-case name wins
// over its upper-case one. Node's own proxy support does the proxying (an agent's proxyEnv),
// but it ignores what it cannot read — `proxy.corp:3128` without a scheme, `socks5://…` —
// and the calls then go out directly, to time out against the firewall with nothing said. So
// the values are read here first: a bare host:port is taken as http:// (as Go and curl take
// it), and anything else Node cannot use stops the syncer with the reason.

/** The proxy settings, as handed to Node's agents (their `proxyEnv`). */
export interface ProxyEnv {
  HTTP_PROXY?: string;
  HTTPS_PROXY?: string;
  NO_PROXY?: string;
}

export class ProxyEnvError extends Error {}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY'] as const;

function lookup(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const candidate of [name.toLowerCase(), name]) {
    const value = env[candidate]?.trim();
    if (value !== undefined && value !== '') return { name: candidate, value };
  }
  return undefined;
}

function proxyUrl(name: string, value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyEnvError(`${name} '${redact(value)}' is not a URL (http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyEnvError(
      `${name} '${redact(value)}' is a ${url.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported`,
    );
  }
  return withScheme;
}

/**
 * The proxy settings in `env`, checked; empty when none is set.
 * @throws ProxyEnvError for a proxy that Node would ignore.
 */
export function readProxyEnv(env: NodeJS.ProcessEnv): ProxyEnv {
  const out: ProxyEnv = {};
  for (const variable of PROXY_VARIABLES) {
    const found = lookup(env, variable);
    if (found !== undefined) out[variable] = proxyUrl(found.name, found.value);
  }
  const noProxy = lookup(env, 'NO_PROXY');
  if (noProxy !== undefined && (out.HTTP_PROXY ?? out.HTTPS_PROXY) !== undefined) {
    out.NO_PROXY = noProxy.value;
  }
  return out;
}

/** A proxy URL as it may be logged: its password, if any, replaced. */
export function redact(value: string): string {
  return value.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** Whether this Node proxies through an agent's proxyEnv (added in Node 24.5). */
export function nodeProxiesAgents(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 5);
}

/**
 * What to say at start about the proxy, if one is set: said once, so it is seen.
 * @param endpoint the Route 53 endpoint, if not AWS's own (which is https://).
 */
export function describeProxyEnv(
  proxy: ProxyEnv,
  endpoint?: string,
  nodeVersion: string = process.versions.node,
): { level: 'info' | 'warn'; fields: Record<string, string>; message: string } | undefined {
  if (proxy.HTTPS_PROXY === undefined && proxy.HTTP_PROXY === undefined) return undefined;
  const fields: Record<string, string> = {};
  if (proxy.HTTPS_PROXY !== undefined) fields['httpsProxy'] = redact(proxy.HTTPS_PROXY);
  if (proxy.HTTP_PROXY !== undefined) fields['httpProxy'] = redact(proxy.HTTP_PROXY);
  if (proxy.NO_PROXY !== undefined) fields['noProxy'] = proxy.NO_PROXY;
  if (!nodeProxiesAgents(nodeVersion)) {
    return {
      level: 'warn',
      fields,
      message: `a proxy is set, but Node ${nodeVersion} cannot proxy these calls (Node 24.5 and later can; the image has Node 24): Route 53 calls go out directly`,
    };
  }
  const secure = endpoint === undefined || endpoint.startsWith('https:');
  if ((secure ? proxy.HTTPS_PROXY : proxy.HTTP_PROXY) === undefined) {
    // The usual slip: HTTP_PROXY alone, while Route 53 is https://.
    return {
      level: 'warn',
      fields,
      message: `${secure ? 'HTTPS_PROXY' : 'HTTP_PROXY'} is not set, and it is the one for Route 53's ${secure ? 'https' : 'http'}:// endpoint: Route 53 calls go out directly`,
    };
  }
  return {
    level: 'info',
    fields,
    message:
      'Route 53 calls (and STS for IRSA) go through the proxy, except to hosts in NO_PROXY; the Kubernetes API does not (a kubeconfig proxy-url does)',
  };
}
