// What the AWS SDK's HTTP handler package (@smithy/node-http-handler) takes from node:http2,
// loaded only when used: the `syncer` command resolves that package's require of node:http2
// to this module (hooks.ts). The package holds an HTTP/2 handler beside the HTTP/1.1 one
// the Route 53 client uses, and requires node:http2 at load for it: Node's HTTP/2 modules
// and binding, ~0.5 MiB of an idle syncer's RSS, for a handler it never makes.
import type * as Http2 from 'node:http2';
import { loadLater } from './load-later.js';

const http2 = loadLater<typeof Http2>('node:http2');

// The handler's module reads `constants` once at load, and its members only when it makes
// a request: a view that reaches the real constants on first read.
const real = () => http2().constants as Record<string | symbol, unknown>;
export const constants = new Proxy({} as typeof Http2.constants, {
  get: (_, key) => real()[key],
  has: (_, key) => key in real(),
  ownKeys: () => Reflect.ownKeys(real()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});

export const connect = ((...args: unknown[]) =>
  (http2().connect as (...a: unknown[]) => Http2.ClientHttp2Session)(
    ...args,
  )) as typeof Http2.connect;
