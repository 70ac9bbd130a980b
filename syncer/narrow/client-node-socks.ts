// What @kubernetes/client-node's config module takes from socks-proxy-agent and socks, loaded
// only for a kubeconfig cluster whose proxy-url is a SOCKS proxy: the `syncer` command
// resolves config.js's imports of the two packages to this module (hooks.ts). With their
// smart-buffer and ip-address they are ~0.25 MB of source a syncer without such a proxy
// never runs.
import { loadLater } from './load-later.js';

type Constructor = new (...args: unknown[]) => unknown;

const socksProxyAgent = loadLater<{ SocksProxyAgent: Constructor }>('socks-proxy-agent');
const socks = loadLater<{ SocksClient: { createConnection(...args: unknown[]): unknown } }>(
  'socks',
);

// A constructor that returns another object makes `new SocksProxyAgent(…)` give the real one.
export const SocksProxyAgent = function SocksProxyAgent(...args: unknown[]) {
  return new (socksProxyAgent().SocksProxyAgent)(...args);
} as unknown as Constructor;

// config.js calls this one static method of SocksClient.
export const SocksClient = {
  createConnection: (...args: unknown[]) => socks().SocksClient.createConnection(...args),
};
