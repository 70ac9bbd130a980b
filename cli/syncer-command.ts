// `aws-controller syncer`: the sidecar that reconciles Route 53 with the cluster, until SIGTERM.
import { loadKubeConfig, namespaceUid } from '../syncer/kube/client.js';
import { checkLeaseTimings, LEASE_DEFAULTS } from '../syncer/kube/leader-election.js';
import { startSyncer } from '../syncer/syncer.js';
import {
  describeProxyEnv,
  ProxyEnvError,
  readProxyEnv,
  type ProxyEnv,
} from '../syncer/route53/proxy-env.js';
import type { CliIo } from './io.js';
import { setRuntimeFlags } from './start-up-code.js';
import { WatchedDomainPolicy } from './domain-policy-file.js';
import { createLogger } from './logger.js';
import {
  durationOption,
  integerOption,
  parseOptions,
  stringOption,
  UsageError,
  type ParsedOptions,
} from './options.js';
import { derivedOwnerId, PLAN_FLAGS, PLAN_FLAGS_USAGE, planFlags } from './plan-options.js';
import { DEFAULT_RELEASE_NAMESPACE } from '../core/records/owner-id.js';

const USAGE = `Usage: aws-controller syncer [options]

${PLAN_FLAGS_USAGE}
                            Without --owner-id the syncer reads kube-system's UID from the
                            cluster (the chart always sets --owner-id, by the same rule).
                            Without --ingress-namespaces: the namespace it runs in
                            ($POD_NAMESPACE, else --leader-election-namespace).
  --aws-region R            the SDK's region (default: the SDK's own chain, else us-east-1)
  --route53-endpoint URL    another Route 53 endpoint (tests against moto)
  --interval D              re-list zones and records this often, to see changes made
                            behind our back (default 10m; a few zones at a time, spread
                            over the interval)
  --debounce D              a lone change is sent at once; changes that keep coming are
                            gathered for at most D into one batch per zone (default 1s)
  --lone-change-delay D     how soon a change after a quiet spell is planned (default 10ms)
  --rate-limit N            at most N Route 53 requests per second from this process
                            (default 4; the account allows 5 in all); less while Route 53
                            answers Throttling (other clusters share the account)
  --kubeconfig FILE         default: the Pod's service account
  --metrics-port N          plain HTTP for /metrics, /healthz, /readyz (default 8081)
  --leader-election-namespace NS
                            where the Lease lives (default: $POD_NAMESPACE, else default)
  --leader-election-name N  the Lease's name (default aws-controller-syncer)
  --leader-election-identity ID
                            this replica's name in the Lease (default: $POD_NAME or the
                            host name, plus a random suffix)
  --leader-election-lease-duration D
                            a standby takes the Lease over when it has seen it unchanged
                            this long (default 15s)
  --leader-election-renew-deadline D
                            the leader stops writing when its last successful renewal was
                            sent this long ago (default 10s; below the lease duration)
  --leader-election-retry-period D
                            how often the Lease is renewed or tried (default 2s)
  --log-level LEVEL         fatal|error|warn|info|debug|trace (default info)
  --optimize-for-size       V8 favours memory over speed (its --optimize-for-size, which
                            NODE_OPTIONS does not accept); the chart sets it by default,
                            and its README says to leave it off above 10,000 objects
  --flush-start-up-code     V8 drops the bytecode of functions that have not run for two
                            full garbage collections instead of six, so code that runs once
                            at start-up is freed; the chart sets it

Every flag can also be set as AWS_CONTROLLER_<FLAG>, e.g. AWS_CONTROLLER_OWNER_ID.
AWS credentials come from the SDK's default chain (IRSA, EKS Pod Identity, environment).
Route 53 calls (and STS's, for IRSA) go through HTTPS_PROXY (HTTP_PROXY for an http://
endpoint) unless NO_PROXY names the host; the Kubernetes API is reached directly, or through
the kubeconfig's proxy-url.
`;

function positiveNumber(values: ParsedOptions['values'], flag: string, fallback: number): number {
  const raw = stringOption(values, flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a number above 0, got '${raw}'`);
  }
  return n;
}

/** The cluster's identity, for the default owner ID: kube-system's UID never changes. */
async function clusterUid(kubeconfig: string | undefined): Promise<string> {
  try {
    return await namespaceUid(loadKubeConfig(kubeconfig), 'kube-system');
  } catch (err) {
    throw new UsageError(
      `--owner-id is not set and the cluster's identity (kube-system's UID) could not be read: ${(err as Error).message}; set --owner-id`,
      { cause: err },
    );
  }
}

/** The proxy settings of the syncer's environment, or a usage error saying what is wrong. */
function route53ProxyOf(env: NodeJS.ProcessEnv): ProxyEnv {
  try {
    return readProxyEnv(env);
  } catch (err) {
    if (!(err instanceof ProxyEnvError)) throw err;
    throw new UsageError(`${err.message}: Route 53 calls would go out directly, unproxied`, {
      cause: err,
    });
  }
}

export async function syncerCommand(
  argv: string[],
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const { values } = parseOptions(argv, {
    ...PLAN_FLAGS,
    'aws-region': { type: 'string' },
    'route53-endpoint': { type: 'string' },
    interval: { type: 'string' },
    debounce: { type: 'string' },
    'lone-change-delay': { type: 'string' },
    'rate-limit': { type: 'string' },
    kubeconfig: { type: 'string' },
    'metrics-port': { type: 'string' },
    host: { type: 'string' },
    'leader-election-namespace': { type: 'string' },
    'leader-election-name': { type: 'string' },
    'leader-election-identity': { type: 'string' },
    'leader-election-lease-duration': { type: 'string' },
    'leader-election-renew-deadline': { type: 'string' },
    'leader-election-retry-period': { type: 'string' },
    'log-level': { type: 'string' },
    'optimize-for-size': { type: 'boolean' },
    'flush-start-up-code': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  setRuntimeFlags({
    optimizeForSize: values['optimize-for-size'] === true,
    flushStartUpCode: values['flush-start-up-code'] === true,
  });
  const logger = createLogger(stringOption(values, 'log-level') ?? 'info', 'aws-controller-syncer');
  const flags = planFlags(values);
  const kubeconfig = stringOption(values, 'kubeconfig');
  const awsRegion = stringOption(values, 'aws-region');
  const endpoint = stringOption(values, 'route53-endpoint');
  const route53Proxy = route53ProxyOf(process.env);
  const proxyNote = describeProxyEnv(route53Proxy, endpoint);
  if (proxyNote !== undefined) logger[proxyNote.level](proxyNote.fields, proxyNote.message);
  const identity = stringOption(values, 'leader-election-identity');
  const interval = durationOption(values, 'interval', 10 * 60_000);
  const debounce = durationOption(values, 'debounce', 1_000);
  if (interval < 10_000) throw new UsageError(`--interval must be at least 10s`);
  const timings = {
    leaseDurationMs: durationOption(
      values,
      'leader-election-lease-duration',
      LEASE_DEFAULTS.leaseDurationMs,
    ),
    renewDeadlineMs: durationOption(
      values,
      'leader-election-renew-deadline',
      LEASE_DEFAULTS.renewDeadlineMs,
    ),
    retryPeriodMs: durationOption(
      values,
      'leader-election-retry-period',
      LEASE_DEFAULTS.retryPeriodMs,
    ),
  };
  try {
    checkLeaseTimings(timings);
  } catch (err) {
    throw new UsageError(`--leader-election-*: ${(err as Error).message}`, { cause: err });
  }
  const leaseNamespace =
    stringOption(values, 'leader-election-namespace') || process.env['POD_NAMESPACE'] || 'default';
  const config = {
    ...flags,
    // The controller's own namespace is where the platform's ingress gateway runs (the chart
    // installs both into istio-system unless told otherwise).
    ingressNamespaces: flags.ingressNamespaces ?? [process.env['POD_NAMESPACE'] || leaseNamespace],
    ownerId:
      flags.ownerId ??
      derivedOwnerId(
        values,
        await clusterUid(kubeconfig),
        process.env['POD_NAMESPACE'] || DEFAULT_RELEASE_NAMESPACE,
      ),
    ...(awsRegion !== undefined && { awsRegion }),
    ...(endpoint !== undefined && { route53Endpoint: endpoint }),
    route53Proxy,
    driftIntervalMs: interval,
    debounceMs: debounce,
    leadingMs: durationOption(values, 'lone-change-delay', 10),
    rateLimit: positiveNumber(values, 'rate-limit', 4),
    ...(kubeconfig !== undefined && { kubeconfig }),
    metricsPort: integerOption(values, 'metrics-port', 8081, { max: 65535 }),
    host: stringOption(values, 'host') ?? '0.0.0.0',
    leaderElection: {
      namespace: leaseNamespace,
      name: stringOption(values, 'leader-election-name') ?? 'aws-controller-syncer',
      ...(identity !== undefined && { identity }),
      ...timings,
    },
    logger,
  };
  const policyFile = stringOption(values, 'domain-policy');
  const policy = policyFile === undefined ? undefined : new WatchedDomainPolicy(policyFile, logger);
  const syncer = await startSyncer({
    ...config,
    ...(policy !== undefined && { currentDomainPolicy: () => policy.current() }),
  });
  // A changed policy is judged at once: names it now refuses get their Events, names it now
  // allows are published, without waiting for an object to change.
  policy?.watch(10_000, () => syncer.controller.trigger('domain policy changed', 0));
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('shutting down: releasing the lease');
  policy?.stop();
  await syncer.close();
  return 0;
}
