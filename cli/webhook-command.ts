// `aws-controller webhook`: serves /mutate and /validate until SIGTERM.
import { compileAnnotationSchemas } from '../core/annotations/parse.js';
import { startWebhookServer } from '../webhook/server.js';
import { CLUSTER_FLAGS, CLUSTER_FLAGS_USAGE, clusterFlags } from './cluster-options.js';
import type { CliIo } from './io.js';
import { WatchedDomainPolicy } from './domain-policy-file.js';
import { createLogger } from './logger.js';
import {
  durationOption,
  integerOption,
  parseOptions,
  requiredString,
  stringOption,
} from './options.js';

const USAGE = `Usage: aws-controller webhook --tls-cert-file FILE --tls-key-file FILE [options]

  --port N                  HTTPS port for /mutate and /validate (default 9443)
  --metrics-port N          plain HTTP port for /metrics, /healthz, /readyz (default 8080)
  --tls-cert-file FILE      serving certificate (PEM), re-read when it changes
  --tls-key-file FILE       its private key (PEM)
  --tls-reload-interval D   how often to check the files (default 10s)
  --controller-name NAME    the controller name objects may select (default aws-controller)
${CLUSTER_FLAGS_USAGE}
                            (give the webhook the syncer's values: the chart does)
  --domain-policy FILE      deny names an object's namespace may not publish (YAML or JSON:
                            strict, domains[].domain, domains[].namespaces); re-read when it
                            changes (checked every --tls-reload-interval)
  --shutdown-delay D        on SIGTERM, keep answering this long (failing /readyz, closing
                            each connection after its answer) before stopping, while the
                            Pod leaves the Service's endpoints (default 5s)
  --log-level LEVEL         fatal|error|warn|info|debug|trace (default info)

Every flag can also be set as AWS_CONTROLLER_<FLAG>, e.g. AWS_CONTROLLER_TLS_CERT_FILE.
`;

export async function webhookCommand(
  argv: string[],
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const { values } = parseOptions(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'metrics-port': { type: 'string' },
    'tls-cert-file': { type: 'string' },
    'tls-key-file': { type: 'string' },
    'tls-reload-interval': { type: 'string' },
    'shutdown-delay': { type: 'string' },
    'controller-name': { type: 'string' },
    ...CLUSTER_FLAGS,
    'domain-policy': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const logger = createLogger(
    stringOption(values, 'log-level') ?? 'info',
    'aws-controller-webhook',
    { asyncWrites: true },
  );
  const controllerName = stringOption(values, 'controller-name');
  const cluster = clusterFlags(values);
  const reloadMs = durationOption(values, 'tls-reload-interval', 10_000);
  const shutdownDelayMs = durationOption(values, 'shutdown-delay', 5_000);
  const policyFile = stringOption(values, 'domain-policy');
  const policy = policyFile === undefined ? undefined : new WatchedDomainPolicy(policyFile, logger);
  policy?.watch(reloadMs);
  // Before serving: no admission should wait for a schema to compile.
  compileAnnotationSchemas();
  const webhook = await startWebhookServer({
    port: integerOption(values, 'port', 9443, { max: 65535 }),
    host: stringOption(values, 'host') ?? '0.0.0.0',
    metricsPort: integerOption(values, 'metrics-port', 8080, { max: 65535 }),
    certFile: requiredString(values, 'tls-cert-file'),
    keyFile: requiredString(values, 'tls-key-file'),
    certReloadIntervalMs: reloadMs,
    logger,
    ...(policy !== undefined && { currentDomainPolicy: () => policy.current() }),
    ...(controllerName !== undefined && { controllerName }),
    ...(cluster !== undefined && { cluster }),
  });
  await new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  // The Pod is leaving the Service's endpoints, but for a few seconds kube-proxy and the
  // apiserver's open connections still send admissions here: keep answering them (each answer
  // closing its connection, /readyz failing) before closing, or those kubectl applies fail.
  logger.info({ shutdownDelayMs }, 'shutting down: draining');
  webhook.drain();
  await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
  policy?.stop();
  await webhook.close();
  logger.info('stopped');
  return 0;
}
