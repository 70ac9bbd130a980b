// Runs the strictness proxy as its own process (started by `npm run env -- up`):
//   node dist/test/route53-proxy/main.js --upstream http://127.0.0.1:MOTO --port PORT
// Listens on 127.0.0.1 only; logs one JSON line per call to stdout.
import { parseArgs } from 'node:util';
import { DEFAULT_RATE, describeRate, parseRate } from './rate-limit.js';
import { createRoute53Proxy } from './server.js';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    'no-route53-names': { type: 'boolean', default: false },
    // Requests per second per account: N, N/BURST or off (rate-limit.ts).
    rate: { type: 'string', default: describeRate(DEFAULT_RATE) },
  },
});

function withRate(rate: ReturnType<typeof parseRate>) {
  return rate === undefined ? {} : { rate };
}

if (!values.upstream) {
  process.stderr.write('usage: main.js --upstream http://127.0.0.1:PORT [--port N]\n');
  process.exit(2);
}

const proxy = createRoute53Proxy({
  upstream: values.upstream,
  route53Names: !values['no-route53-names'],
  ...withRate(parseRate(values.rate)),
  log: (entry) =>
    process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`),
});

proxy.server.listen(Number(values.port), '127.0.0.1', () => {
  const address = proxy.server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}`, upstream: values.upstream, rate: values.rate })}\n`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    proxy.server.close(() => process.exit(0));
    proxy.server.closeAllConnections();
  });
}
