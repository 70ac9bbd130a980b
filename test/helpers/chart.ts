// Helpers for the chart's end-to-end suite: render with the real helm and parse, find objects,
// resolve a rendered container into a local command line (as the kubelet would start it), and
// run such a process until the test stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { TestEnvironment } from './environment.js';
import { productNode } from './product-node.js';

export const CHART_DIR = fileURLToPath(new URL('../../../charts/aws-controller', import.meta.url));
/** The image's entrypoint script, `node dist/cli/main.js`, in this build. */
export const MAIN_JS = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
  };
  [field: string]: unknown;
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`bad YAML from helm: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

/** `helm template` of the chart: the parsed objects, or helm's error text. */
export async function helmTemplate(
  env: TestEnvironment,
  release: string,
  namespace: string,
  args: readonly string[],
): Promise<{ objects: KubeObject[]; code: number; stderr: string; stdout: string }> {
  const result = await env.helm(['template', release, CHART_DIR, '-n', namespace, ...args], {
    allowFailure: true,
  });
  return {
    ...result,
    objects: result.code === 0 ? parseManifests(result.stdout) : [],
  };
}

export function findAll(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function findOne(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return found[0] as KubeObject;
}

// The parts of the apps/v1 and admissionregistration/v1 shapes the tests read.
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  topologySpreadConstraints?: {
    topologyKey: string;
    labelSelector?: { matchLabels?: Record<string, string> };
  }[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; projected?: unknown }[];
}

export interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

export interface WebhookEntry {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  timeoutSeconds: number;
  failurePolicy: string;
  reinvocationPolicy?: string;
  clientConfig: {
    url?: string;
    service?: { name: string; namespace: string; path: string; port: number };
    caBundle?: string;
  };
  rules: {
    apiGroups: string[];
    apiVersions: string[];
    resources: string[];
    operations: string[];
    scope: string;
  }[];
  namespaceSelector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values: string[] }[];
  };
  matchConditions?: { name: string; expression: string }[];
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export const deploymentSpec = (o: KubeObject) => o['spec'] as DeploymentSpec;
export const webhooksOf = (o: KubeObject) => o['webhooks'] as WebhookEntry[];
export const rulesOf = (o: KubeObject) => o['rules'] as PolicyRule[];

export function container(deployment: KubeObject, name: string): Container {
  const found = deploymentSpec(deployment).template.spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name} in Deployment ${deployment.metadata.name}`);
  return found;
}

/** `--flag=value` from a container's args (undefined when absent). */
export function flag(c: Container, name: string): string | undefined {
  const prefix = `--${name}=`;
  return c.args?.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * A container's command line and environment as the kubelet would start it in a pod named
 * `podName`: the image entrypoint (`node dist/cli/main.js`) with its args, `fieldRef` env
 * resolved, and the paths of its volume mounts mapped to local folders (`mounts`).
 */
export function localCommand(
  c: Container,
  pod: { name: string; namespace: string },
  mounts: Readonly<Record<string, string>>,
): { argv: string[]; env: Record<string, string> } {
  const mapPath = (arg: string) => {
    for (const mount of c.volumeMounts ?? []) {
      const local = mounts[mount.name];
      if (local !== undefined && arg.includes(`${mount.mountPath}/`)) {
        return arg.replace(`${mount.mountPath}/`, `${local}/`);
      }
    }
    return arg;
  };
  if (c.command !== undefined) throw new Error(`${c.name}: the chart overrides the entrypoint`);
  const env: Record<string, string> = {};
  for (const variable of c.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name')
      env[variable.name] = pod.name;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') {
      env[variable.name] = pod.namespace;
    } else throw new Error(`${c.name}: cannot resolve env ${variable.name}`);
  }
  return { argv: [MAIN_JS, ...(c.args ?? []).map(mapPath)], env };
}

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node argv…` with exactly `env` (plus PATH), collecting its output. */
export function startNode(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): RunningProcess {
  const child = spawn(productNode(), [...argv], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Retries `probe` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * Uninstalls a test release and deletes by exact name whatever cluster-scoped objects helm may
 * have left of it (webhook configurations, ClusterRole and binding), even after a failed install.
 */
export async function removeRelease(
  env: {
    helm(args: string[], options?: { allowFailure?: boolean }): Promise<unknown>;
    kubectl(args: string[], options?: { allowFailure?: boolean }): Promise<unknown>;
  },
  release: string,
  namespace: string,
  installed: boolean,
): Promise<void> {
  if (installed) {
    await env.helm(['uninstall', release, '-n', namespace, '--wait'], { allowFailure: true });
  }
  await env.kubectl(
    [
      'delete',
      'mutatingwebhookconfiguration,validatingwebhookconfiguration,clusterrole,clusterrolebinding',
      release,
      '--ignore-not-found',
    ],
    { allowFailure: true },
  );
}
