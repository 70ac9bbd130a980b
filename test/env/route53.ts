// moto's Route 53 server and the strictness proxy in front of it, both on loopback.
import { join } from 'node:path';
import { httpGet } from './http-get.js';
import { startProcess, waitUntilReady } from './processes.js';
import type { Started } from './processes.js';
import { repoRoot } from './versions.js';

export async function startMoto(options: {
  python: string;
  port: number;
  logDir: string;
}): Promise<{ started: Started; url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = startProcess({
    name: 'moto',
    command: options.python,
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(options.port)],
    logDir: options.logDir,
    env: { PYTHONUNBUFFERED: '1' },
  });
  await waitUntilReady(
    started,
    `moto on ${url}`,
    async () => (await httpGet(`${url}/moto-api/`)).status === 200,
    60_000,
  );
  return { started, url };
}

export async function startRoute53Proxy(options: {
  motoUrl: string;
  port: number;
  logDir: string;
  /** "N", "N/BURST" or "off" (test/route53-proxy/rate-limit.ts). */
  rate: string;
  /** Listen on every address (the node environment's Pods reach it at the host's veth). */
  allAddresses?: boolean;
}): Promise<{ started: Started; url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = startProcess({
    name: 'route53-proxy',
    command: process.execPath,
    args: [
      join(repoRoot(), 'dist', 'test', 'route53-proxy', 'main.js'),
      '--upstream',
      options.motoUrl,
      '--port',
      String(options.port),
      '--rate',
      options.rate,
      ...(options.allAddresses ? ['--host', '0.0.0.0'] : []),
    ],
    logDir: options.logDir,
  });
  await waitUntilReady(
    started,
    `route53 proxy on ${url}`,
    async () => (await httpGet(`${url}/__proxy/health`)).status === 200,
    20_000,
  );
  return { started, url };
}
