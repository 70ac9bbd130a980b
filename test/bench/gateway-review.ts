// The AdmissionReview the webhook benchmark sends: an Istio Gateway as kubectl apply makes it
// (last-applied-configuration, managedFields) with six of our annotations — a latency-routed
// record for two hosts. /mutate gets it as a person wrote it (two values not in normal form,
// so the answer carries a patch); /validate gets it as the apiserver sends it after mutation.
import { PREFIX } from '../../core/annotations/prefix.js';

const written: Record<string, string> = {
  [`${PREFIX}controller`]: 'aws-controller',
  [`${PREFIX}hostname`]: 'Reviews.Example.com., ratings.example.com',
  [`${PREFIX}ttl`]: '5m',
  [`${PREFIX}set-identifier`]: 'eu-west-1-blue',
  [`${PREFIX}aws-region`]: 'eu-west-1',
  [`${PREFIX}ingress-hostname-source`]: 'annotation-only',
};

const normalised: Record<string, string> = {
  ...written,
  [`${PREFIX}hostname`]: 'reviews.example.com,ratings.example.com',
  [`${PREFIX}ttl`]: '300',
};

function gateway(annotations: Record<string, string>) {
  const spec = {
    selector: { istio: 'ingressgateway' },
    servers: [
      {
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['bookinfo/reviews.example.com', 'bookinfo/ratings.example.com'],
        tls: { mode: 'SIMPLE', credentialName: 'bookinfo-cert' },
      },
      {
        port: { number: 80, name: 'http', protocol: 'HTTP' },
        hosts: ['bookinfo/reviews.example.com', 'bookinfo/ratings.example.com'],
        tls: { httpsRedirect: true },
      },
    ],
  };
  const lastApplied = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { annotations: written, name: 'bookinfo-gateway', namespace: 'bookinfo' },
    spec,
  };
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: {
      name: 'bookinfo-gateway',
      namespace: 'bookinfo',
      uid: '0a4b1f6e-92c4-4d1e-a7f5-4c3f2b9e8d71',
      generation: 1,
      creationTimestamp: '2026-11-25T10:00:00Z',
      labels: { app: 'bookinfo', 'app.kubernetes.io/part-of': 'bookinfo' },
      annotations: {
        ...annotations,
        'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(lastApplied)}\n`,
      },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'networking.istio.io/v1',
          time: '2026-11-25T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': Object.fromEntries(
                ['.', 'f:kubectl.kubernetes.io/last-applied-configuration']
                  .concat(Object.keys(annotations).map((k) => `f:${k}`))
                  .map((k) => [k, {}]),
              ),
              'f:labels': { '.': {}, 'f:app': {}, 'f:app.kubernetes.io/part-of': {} },
            },
            'f:spec': { '.': {}, 'f:selector': {}, 'f:servers': {} },
          },
        },
      ],
    },
    spec,
  };
}

function review(annotations: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'e911857d-c318-11e8-bbad-025000000001',
      kind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
      resource: { group: 'networking.istio.io', version: 'v1', resource: 'gateways' },
      requestKind: { group: 'networking.istio.io', version: 'v1', kind: 'Gateway' },
      requestResource: { group: 'networking.istio.io', version: 'v1', resource: 'gateways' },
      name: 'bookinfo-gateway',
      namespace: 'bookinfo',
      operation: 'CREATE',
      userInfo: {
        username: 'jane@example.com',
        groups: ['platform-team', 'system:authenticated'],
      },
      object: gateway(annotations),
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl' },
    },
  });
}

/** What /mutate receives: the Gateway as written. */
export const MUTATE_BODY = review(written);
/** What /validate receives: the Gateway after our mutation. */
export const VALIDATE_BODY = review(normalised);

/** The floor's fixed answer: an allowed AdmissionReview response for that uid. */
export const FIXED_ANSWER = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: 'e911857d-c318-11e8-bbad-025000000001', allowed: true },
});
