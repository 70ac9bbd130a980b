// Starts the webhook: HTTPS for the apiserver, plain HTTP for probes and metrics.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { createWebhookApp } from './app.js';
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
  close(): Promise<void>;
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

function closeServer(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
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

  const isReady = () => certificate.loaded;
  const app = createWebhookApp({
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
  https.on('request', app);

  const plain = express();
  plain.disable('x-powered-by');
  plain.use(healthRoutes(isReady));
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
    close: async () => {
      certificate.stop();
      await Promise.all([closeServer(https), closeServer(metricsServer)]);
    },
  };
}
