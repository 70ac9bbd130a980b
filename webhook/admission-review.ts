// AdmissionReview bodies: checked with a JSON Schema before anything reads them, and answered
// in the apiVersion they came in.
import { Ajv } from 'ajv';
import type { KubeObject } from '../core/admission/admit.js';
import type { JsonPatchOperation } from '../core/admission/json-patch.js';

export const REVIEW_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type ReviewVersion = (typeof REVIEW_VERSIONS)[number];
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: Operation;
  namespace?: string;
  name?: string;
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun?: boolean;
}

export interface AdmissionReview {
  apiVersion: ReviewVersion;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason: string; status: 'Failure' };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

const schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { enum: REVIEW_VERSIONS },
    kind: { const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid', 'kind', 'operation'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        kind: {
          type: 'object',
          required: ['group', 'version', 'kind'],
          properties: {
            group: { type: 'string' },
            version: { type: 'string' },
            kind: { type: 'string' },
          },
        },
        operation: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        namespace: { type: 'string' },
        name: { type: 'string' },
        object: { type: ['object', 'null'] },
        oldObject: { type: ['object', 'null'] },
        dryRun: { type: 'boolean' },
      },
      if: { properties: { operation: { enum: ['CREATE', 'UPDATE'] } } },
      then: {
        required: ['object'],
        properties: {
          object: {
            type: 'object',
            // What KubeObject promises the code reading it (a number here was an HTTP 500).
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              spec: { type: 'object' },
              metadata: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  generateName: { type: 'string' },
                  namespace: { type: 'string' },
                  annotations: {
                    type: ['object', 'null'],
                    additionalProperties: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false });
const validateReview = ajv.compile(schema);

export type ReadResult = { ok: true; review: AdmissionReview } | { ok: false; reason: string };

/** Checks a parsed JSON body; the reason names what is wrong, for a 400 answer. */
export function readAdmissionReview(body: unknown): ReadResult {
  const valid: boolean = validateReview(body);
  if (valid) return { ok: true, review: body as AdmissionReview };
  const [first] = validateReview.errors ?? [];
  const where = first?.instancePath ? `${first.instancePath.slice(1).replace(/\//g, '.')} ` : '';
  const what = first?.message ?? 'is invalid';
  return { ok: false, reason: `not an AdmissionReview: ${where}${what}`.trim() };
}

export function reviewResponse(review: AdmissionReview, response: AdmissionResponse) {
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

export function encodePatch(patch: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(patch)).toString('base64');
}
