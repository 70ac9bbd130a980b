// Starts the webhook: HTTPS for the apiserver, plain HTTP for probes and metrics.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { createWebhookListener } from './app.js';
import { CertificateReloader } from './certificate.js';
import { healthRoutes } from './health.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import type { ClusterIdentity } from '../core/annotations/cluster.js';
import type { DomainPolicy } from '../core/tenancy/domain-policy.js';

export interface WebhookServerOptions {
  port: number;
  host?: string;
  metricsPort: number;
  certFile: string;
  keyFile: string;
  logger: Logger;
  controllerName?: string;
  cluster?: ClusterIdentity;
  /** The domain policy in force now (it may change while the server runs). */
  currentDomainPolicy?: () => DomainPolicy;
  certReloadIntervalMs?: number;
  bodyLimit?: number;
  maxInFlight?: number;
  metrics?: WebhookMetrics;
}

export interface RunningWebhook {
  port: number;
  metricsPort: number;
  metrics: WebhookMetrics;
  certificate: CertificateReloader;
  /**
   * Shutting down: /readyz fails (so the Pod leaves the Service's endpoints) and every answer
   * from now on closes its connection, so the apiserver's next call opens a new one — through
   * the Service, to another Pod. Requests still arriving, on new or kept-alive connections,
   * are answered as usual.
   */
  drain(): void;
  /** Stops listening; requests in flight get up to `graceMs` (default 10 s) to finish. */
  close(graceMs?: number): Promise<void>;
}

// The apiserver keeps idle connections for up to 90 s; Node's default 5 s keep-alive made
// webhooks see "connection reset" on reuse. headersTimeout must exceed keepAliveTimeout.
const KEEP_ALIVE_MS = 90_000;
const HEADERS_TIMEOUT_MS = 95_000;
const REQUEST_TIMEOUT_MS = 30_000;

function listen(server: HttpServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: HttpServer | HttpsServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhook> {
  const { logger } = options;
  const host = options.host ?? '0.0.0.0';
  const metrics = options.metrics ?? createWebhookMetrics();

  const https = createHttpsServer({ minVersion: 'TLSv1.2' });
  https.keepAliveTimeout = KEEP_ALIVE_MS;
  https.headersTimeout = HEADERS_TIMEOUT_MS;
  https.requestTimeout = REQUEST_TIMEOUT_MS;
  https.on('tlsClientError', (err) => logger.debug({ err }, 'TLS handshake failed'));

  const certificate = new CertificateReloader({
    certFile: options.certFile,
    keyFile: options.keyFile,
    logger,
    intervalMs: options.certReloadIntervalMs ?? 10_000,
    apply: (context) => https.setSecureContext({ ...context, minVersion: 'TLSv1.2' }),
    onResult: (result) => metrics.tlsReloads.inc({ result }),
  });
  await certificate.start();

  let draining = false;
  const isReady = () => certificate.loaded && !draining;
  const listener = createWebhookListener({
    metrics,
    logger,
    isReady,
    ...(options.controllerName !== undefined && { controllerName: options.controllerName }),
    ...(options.cluster !== undefined && { cluster: options.cluster }),
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
    ...(options.currentDomainPolicy !== undefined && {
      currentDomainPolicy: options.currentDomainPolicy,
    }),
    ...(options.maxInFlight !== undefined && { maxInFlight: options.maxInFlight }),
  });
  https.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    listener(req, res);
  });

  const plain = express();
  plain.disable('x-powered-by');
  plain.use(
    healthRoutes(isReady, () => (draining ? 'shutting down' : 'no serving certificate loaded')),
  );
  plain.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  });
  const metricsServer = createHttpServer(plain);

  const port = await listen(https, options.port, host);
  const metricsPort = await listen(metricsServer, options.metricsPort, host);
  logger.info({ port, metricsPort }, 'webhook listening');

  return {
    port,
    metricsPort,
    metrics,
    certificate,
    drain: () => {
      // Idle connections stay open: the apiserver may be writing its next request on one at
      // this very moment, and closing it under that write fails the admission ("broken pipe";
      // a POST is not retried). Each is closed by the client after its next answer (Connection:
      // close); what is still idle when the delay ends is closed by close().
      draining = true;
    },
    close: async (graceMs = 10_000) => {
      certificate.stop();
      await Promise.all([closeServer(https, graceMs), closeServer(metricsServer, graceMs)]);
    },
  };
}
