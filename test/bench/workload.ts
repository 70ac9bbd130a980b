// The objects the economy and memory benchmarks create: hosted zones, the ingress gateway
// Service with its load balancer address, Istio Gateways (and VirtualServices) with hosts
// spread evenly over the zones.
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import type { TestEnvironment } from '../helpers/environment.js';
import { inParallel, ISTIO, type KubeApi } from './kube-api.js';

export const ZONES = 50;
export const LB_IP = '203.0.113.10';

export const zoneName = (domain: string, z: number): string => `z${z}.${domain}`;

/** Empties moto and the proxy's stats, then creates the zones straight in moto (uncounted). */
export async function freshZones(
  env: TestEnvironment,
  domain: string,
  count = ZONES,
): Promise<void> {
  await env.resetRoute53();
  const moto = env.route53({ endpoint: env.motoEndpoint });
  try {
    await inParallel(
      Array.from({ length: count }, (_, z) => z),
      4,
      (z) =>
        moto.send(
          new CreateHostedZoneCommand({
            Name: zoneName(domain, z),
            CallerReference: `bench-${domain}-${z}-${Date.now()}`,
          }),
        ),
    );
  } finally {
    moto.destroy();
  }
  await env.proxy.reset();
}

/** The Service both controllers find through the Gateways' selector, with an LB address. */
export async function ingressService(
  kube: KubeApi,
  namespace: string,
  address = LB_IP,
): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}/services`;
  await kube.must('POST', path, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'istio-ingressgateway',
      namespace,
      labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 8080 }],
    },
  });
  // No controller-manager runs: the load balancer's address is ours to set.
  await kube.must(
    'PATCH',
    `${path}/istio-ingressgateway/status`,
    { status: { loadBalancer: { ingress: [{ ip: address }] } } },
    'application/merge-patch+json',
  );
}

export function gateway(namespace: string, name: string, hosts: readonly string[]) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [...hosts] }],
    },
  };
}

export function virtualService(namespace: string, name: string, host: string, gw: string) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [host],
      gateways: [`${namespace}/${gw}`],
      http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }],
    },
  };
}

/** How many times a collection delete that outlasted the apiserver's timeout is asked again. */
const COLLECTION_DELETE_ATTEMPTS = 20;

/**
 * Deletes every object of a collection. Deleting tens of thousands in one request outlasts
 * the apiserver's 60 s request timeout (504), having deleted part of them: asking again goes
 * on from what is left, until an answer says the collection is empty. A connection dropped
 * under the request (a 100,000-object delete ended in "socket hang up") is asked again too:
 * deleting what is already gone changes nothing.
 */
async function deleteCollection(kube: KubeApi, path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await kube.call('DELETE', path).catch((err: unknown) => {
      if (attempt === COLLECTION_DELETE_ATTEMPTS) throw err;
      return undefined;
    });
    if (res === undefined) continue;
    if (res.status >= 200 && res.status < 300) return;
    if (res.status !== 504 || attempt === COLLECTION_DELETE_ATTEMPTS) {
      throw new Error(
        `DELETE ${path} answered ${res.status} (attempt ${attempt}): ${JSON.stringify(res.body)}`,
      );
    }
  }
}

/** Deletes every Gateway and VirtualService in the namespace, and the ingress Service. */
export async function cleanNamespace(kube: KubeApi, namespace: string): Promise<void> {
  for (const plural of ['gateways', 'virtualservices']) {
    await deleteCollection(kube, `${ISTIO}/namespaces/${namespace}/${plural}`);
  }
  await kube.call('DELETE', `/api/v1/namespaces/${namespace}/services/istio-ingressgateway`);
}
