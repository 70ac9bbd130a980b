// Throwaway certificates for the test cluster and for test webhooks, made with the openssl
// CLI (Node can verify X.509 but not issue it). ECDSA P-256 keys: quick to generate and
// accepted by kube-apiserver, etcd clients and Node's TLS alike.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertRequest {
  /** File name stem inside the folder: `<name>.crt`, `<name>.key`. */
  readonly name: string;
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: 'server' | 'client';
}

async function openssl(args: readonly string[], what: string): Promise<void> {
  try {
    await run('openssl', args, { maxBuffer: 1 << 20 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl failed to ${what}: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

function subject(commonName: string, organizations: readonly string[] = []): string {
  // openssl -subj syntax; the names we use have no '/', '=' or '+' to escape.
  return [...organizations.map((o) => `/O=${o}`), `/CN=${commonName}`].join('');
}

async function newEcKey(keyFile: string): Promise<void> {
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile],
    `generate a key at ${keyFile}`,
  );
}

/** A self-signed CA valid for two days (a test run needs minutes). */
export async function createCa(dir: string, name: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const ca = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  await newEcKey(ca.keyFile);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      ca.keyFile,
      '-out',
      ca.certFile,
      '-days',
      '2',
      '-subj',
      subject(name),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    `create the CA ${name}`,
  );
  return ca;
}

export async function issueCert(
  ca: CertificateAuthority,
  dir: string,
  req: CertRequest,
): Promise<IssuedCert> {
  await mkdir(dir, { recursive: true });
  const out = { certFile: join(dir, `${req.name}.crt`), keyFile: join(dir, `${req.name}.key`) };
  const csr = join(dir, `${req.name}.csr`);
  const ext = join(dir, `${req.name}.ext`);
  await newEcKey(out.keyFile);
  await openssl(
    [
      'req',
      '-new',
      '-key',
      out.keyFile,
      '-out',
      csr,
      '-subj',
      subject(req.commonName, req.organizations),
    ],
    `make a request for ${req.name}`,
  );
  const sans = [
    ...(req.dnsNames ?? []).map((d) => `DNS:${d}`),
    ...(req.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${req.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-CAcreateserial',
      '-out',
      out.certFile,
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
    ],
    `sign the certificate ${req.name}`,
  );
  return out;
}

/** An RSA key pair for service-account tokens (RS256, what every verifier supports). */
export async function createServiceAccountKeys(
  dir: string,
): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  await mkdir(dir, { recursive: true });
  const privateKeyFile = join(dir, 'service-account.key');
  const publicKeyFile = join(dir, 'service-account.pub');
  await openssl(
    ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', privateKeyFile],
    'generate the service-account key',
  );
  await openssl(
    ['pkey', '-in', privateKeyFile, '-pubout', '-out', publicKeyFile],
    'extract the service-account public key',
  );
  return { privateKeyFile, publicKeyFile };
}

/** PEM text of a file, base64-encoded, as a webhook's caBundle or a kubeconfig's *-data wants. */
export async function base64Pem(file: string): Promise<string> {
  return (await readFile(file)).toString('base64');
}
