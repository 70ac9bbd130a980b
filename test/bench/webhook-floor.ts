// The webhook benchmark's floor: the cheapest HTTPS AdmissionReview answer express can give on
// this machine — no body parsing, no checks, a fixed allowed review — with the same TLS and
// keep-alive settings as the real server. Started like `aws-controller webhook` (same flags),
// so the benchmark drives both the same way. /readyz on the plain port says it is up.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import express from 'express';
import { FIXED_ANSWER } from './gateway-review.js';

const { values } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'metrics-port': { type: 'string' },
    'tls-cert-file': { type: 'string' },
    'tls-key-file': { type: 'string' },
  },
});
const str = (key: string): string => {
  const value = values[key];
  if (typeof value !== 'string') throw new Error(`--${key} is required`);
  return value;
};

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/{*path}', (_req, res) => {
  res.status(200).type('application/json').send(FIXED_ANSWER);
});

const https = createHttpsServer(
  {
    cert: readFileSync(str('tls-cert-file')),
    key: readFileSync(str('tls-key-file')),
    minVersion: 'TLSv1.2',
  },
  app,
);
https.keepAliveTimeout = 90_000;
https.headersTimeout = 95_000;
https.listen(Number(str('port')), str('host'));

const plain = createHttpServer((req, res) => {
  res.writeHead(req.url === '/readyz' || req.url === '/healthz' ? 200 : 404).end('ok\n');
});
plain.listen(Number(str('metrics-port')), str('host'));

const stop = (): void => {
  https.close();
  https.closeAllConnections();
  plain.close();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
