// The syncer's plain-HTTP port: /metrics for Prometheus, /healthz for liveness, /readyz for
// readiness (every watch cache whole). Probes must not need the Route 53 or TLS chain.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface StatusServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** undefined when ready, else why not. */
  notReadyReason: () => string | undefined;
}

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/readyz') {
      const reason = options.notReadyReason();
      return reason === undefined ? text(200, 'ok\n') : text(503, `not ready: ${reason}\n`);
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => text(200, body, options.registry.contentType),
        (err: unknown) => text(500, `metrics failed: ${String(err)}\n`),
      );
      return;
    }
    text(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
