// Objects the syncer suites put in the cluster: the ingress gateway Service (with the load
// balancer address a cloud controller would set: none runs here) and Istio Gateways, and the
// Events said about them.
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TestEnvironment } from './environment.js';

/** The environment, or one of its clusters (env.clusters()): what these helpers use of it. */
type Kube = Pick<TestEnvironment, 'kubectl' | 'kubeConfig'>;

export async function kubectlOk(env: Kube, args: string[], input?: string) {
  const result = await env.kubectl(args, input === undefined ? {} : { input });
  assert.equal(result.code, 0, result.stderr);
  return result;
}

export async function apply(env: Kube, object: unknown): Promise<void> {
  await kubectlOk(env, ['apply', '-f', '-'], JSON.stringify(object));
}

/** Sets `status.loadBalancer` of the namespace's ingress gateway Service. */
export async function setLoadBalancerIp(env: Kube, ns: string, ip: string) {
  await kubectlOk(env, [
    'patch',
    'service',
    'istio-ingressgateway',
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } }),
  ]);
}

/** The namespace's ingress gateway Service (selector istio=ingressgateway) at `ip`. */
export async function ingressGateway(env: Kube, ns: string, ip: string) {
  await apply(env, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway', namespace: ns, labels: { istio: 'ingressgateway' } },
    spec: {
      type: 'LoadBalancer',
      selector: { istio: 'ingressgateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 8080 }],
    },
  });
  await setLoadBalancerIp(env, ns, ip);
}

export const istioGateway = (
  ns: string,
  name: string,
  hosts: string[],
  annotations: Record<string, string> = {},
) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: ns, annotations },
  spec: {
    selector: { istio: 'ingressgateway' },
    servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
  },
});

/** The Events on object `name` in `ns`, as `<type> <reason> <message>` lines. */
export async function eventLines(env: Kube, ns: string, name: string): Promise<string[]> {
  const list = await env
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace: ns });
  return list.items
    .filter((e) => e.involvedObject.name === name)
    .map((e) => `${e.type ?? ''} ${e.reason ?? ''} ${e.message ?? ''}`);
}
