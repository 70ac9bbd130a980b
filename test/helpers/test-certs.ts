// A throwaway CA and a serving certificate for 127.0.0.1/localhost, made at test time, for
// servers the apiserver must call over TLS (webhooks): `caBundle` goes into the webhook
// configuration, `cert`/`key` into the server.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueCert } from '../env/certs.js';

export interface TestServingCert {
  readonly caPem: Buffer;
  /** Base64 of the CA's PEM, as admissionregistration's caBundle wants it. */
  readonly caBundle: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export async function createTestServingCert(commonName = 'test-webhook'): Promise<TestServingCert> {
  const dir = await mkdtemp(join(tmpdir(), 'aws-controller-test-certs-'));
  try {
    const ca = await createCa(dir, `${commonName}-ca`);
    const serving = await issueCert(ca, dir, {
      name: commonName,
      commonName,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const caPem = await readFile(ca.certFile);
    return {
      caPem,
      caBundle: caPem.toString('base64'),
      cert: await readFile(serving.certFile),
      key: await readFile(serving.keyFile),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
