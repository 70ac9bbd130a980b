// etcd and kube-apiserver started the way controller-runtime's envtest starts them, plus the
// PKI and kubeconfig an admin client needs. No controller-manager or scheduler runs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { createCa, createServiceAccountKeys, issueCert } from './certs.js';
import type { CertificateAuthority } from './certs.js';
import { httpGet } from './http-get.js';
import { startProcess, waitUntilReady } from './processes.js';
import type { Started } from './processes.js';

export interface ClusterPki {
  readonly ca: CertificateAuthority;
  readonly serving: { certFile: string; keyFile: string };
  readonly admin: { certFile: string; keyFile: string };
  readonly serviceAccount: { privateKeyFile: string; publicKeyFile: string };
}

/** `extraIps`: more addresses the apiserver is reached at (the node's Pods reach the host's veth). */
export async function createClusterPki(
  dir: string,
  extraIps: readonly string[] = [],
): Promise<ClusterPki> {
  const ca = await createCa(dir, 'ca');
  const serving = await issueCert(ca, dir, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '10.0.0.1', ...extraIps],
    usage: 'server',
  });
  const admin = await issueCert(ca, dir, {
    name: 'admin',
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const serviceAccount = await createServiceAccountKeys(dir);
  return { ca, serving, admin, serviceAccount };
}

export async function startEtcd(options: {
  binary: string;
  dataDir: string;
  logDir: string;
  clientPort: number;
  peerPort: number;
  /** The process's name in the state and its log file's (default etcd). */
  name?: string;
}): Promise<{ started: Started; url: string }> {
  const url = `http://127.0.0.1:${options.clientPort}`;
  const peerUrl = `http://127.0.0.1:${options.peerPort}`;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const started = startProcess({
    name: options.name ?? 'etcd',
    command: options.binary,
    args: [
      `--data-dir=${options.dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--name=default',
      // A throwaway store: durability buys nothing and fsync costs seconds on slow disks.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logDir: options.logDir,
  });
  await waitUntilReady(
    started,
    `etcd on ${url}`,
    async () => (await httpGet(`${url}/health`)).status === 200,
    30_000,
  );
  return { started, url };
}

/** What the apiserver needs when a node runs beside it (`env up --node`). */
export interface ApiserverNodeFlags {
  /** The host's address on the node's veth: Pods reach the `kubernetes` Service there. */
  readonly advertiseAddress: string;
  /** Client certificate for the kubelet's API (`kubectl logs`). */
  readonly kubeletClient: { certFile: string; keyFile: string };
}

export async function startApiserver(options: {
  binary: string;
  etcdUrl: string;
  port: number;
  pki: ClusterPki;
  logDir: string;
  /** The process's name in the state and its log file's (default kube-apiserver). */
  name?: string;
  node?: ApiserverNodeFlags;
}): Promise<{ started: Started; url: string }> {
  const url = `https://127.0.0.1:${options.port}`;
  const { pki } = options;
  const started = startProcess({
    name: options.name ?? 'kube-apiserver',
    command: options.binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      // With a node, Pods reach it through the host's veth address too; it has one bind address.
      `--bind-address=${options.node ? '0.0.0.0' : '127.0.0.1'}`,
      `--secure-port=${options.port}`,
      `--tls-cert-file=${pki.serving.certFile}`,
      `--tls-private-key-file=${pki.serving.keyFile}`,
      `--client-ca-file=${pki.ca.certFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=${url}`,
      `--service-account-key-file=${pki.serviceAccount.publicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccount.privateKeyFile}`,
      // Webhooks are on by default; named so a reader sees the test depends on them.
      '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
      ...(options.node ? nodeFlags(options.node, pki) : withoutNodeFlags()),
    ],
    logDir: options.logDir,
  });
  const tls = {
    ca: await readFile(pki.ca.certFile),
    cert: await readFile(pki.admin.certFile),
    key: await readFile(pki.admin.keyFile),
  };
  // Two cores and a cold etcd: the RBAC bootstrap alone can take tens of seconds.
  await waitUntilReady(
    started,
    `kube-apiserver on ${url}`,
    async () => (await httpGet(`${url}/readyz`, tls)).status === 200,
    120_000,
  );
  return { started, url };
}

function withoutNodeFlags(): string[] {
  return [
    '--authorization-mode=RBAC',
    // Without a controller-manager no ServiceAccount is ever created to satisfy it.
    '--disable-admission-plugins=ServiceAccount',
    ...advertiseFlags(),
  ];
}

function nodeFlags(node: ApiserverNodeFlags, pki: ClusterPki): string[] {
  return [
    // The Node authorizer is what lets a kubelet read its Pods' Secrets and ConfigMaps.
    '--authorization-mode=Node,RBAC',
    `--advertise-address=${node.advertiseAddress}`,
    // The node's hostname resolves nowhere; its InternalIP is the veth address in its namespace.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${node.kubeletClient.certFile}`,
    `--kubelet-client-key=${node.kubeletClient.keyFile}`,
    `--kubelet-certificate-authority=${pki.ca.certFile}`,
  ];
}

/**
 * kube-apiserver derives --advertise-address from the default route and cannot pick one on
 * a machine without (not seen here: this one has a default route). 127.0.0.1 starts, but the `kubernetes` Service endpoint reconciler then
 * rejects it every 10 s ("may not be in the loopback range"), so that pairing also switches
 * the reconciler off. Only listening addresses must be loopback; this one is advertised.
 */
function advertiseFlags(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .some((i) => i !== undefined && !i.internal && i.family === 'IPv4');
  return external ? [] : ['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none'];
}

export async function writeKubeconfig(
  file: string,
  server: string,
  pki: ClusterPki,
): Promise<void> {
  const b64 = async (f: string): Promise<string> => (await readFile(f)).toString('base64');
  // JSON is valid YAML: no serializer needed, and every kubeconfig reader accepts it.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'aws-controller-test',
        cluster: { server, 'certificate-authority-data': await b64(pki.ca.certFile) },
      },
    ],
    users: [
      {
        name: 'admin',
        user: {
          'client-certificate-data': await b64(pki.admin.certFile),
          'client-key-data': await b64(pki.admin.keyFile),
        },
      },
    ],
    contexts: [
      { name: 'aws-controller-test', context: { cluster: 'aws-controller-test', user: 'admin' } },
    ],
    'current-context': 'aws-controller-test',
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
