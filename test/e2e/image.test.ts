// The image, built from the Dockerfile as it is (podman, `--pull=never`, on stand-in base images
// made once per machine: test/env/image.ts) and run the way the chart runs it: the CLI answers
// `--help` and validates the bundled examples exactly as the checkout's CLI does, and the webhook
// on a read-only root filesystem with every capability dropped, as the image's own user 65532,
// answers AdmissionReviews over TLS with a mounted certificate. On a machine that cannot run
// containers (not root, Debian's packages not installable) the suite is skipped with the reason
// in one line; a build that fails is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { containerSupport, ensureImage, podmanEnv, type BuiltImage } from '../env/image.js';
import { freePort } from '../env/processes.js';
import { repoRoot } from '../env/versions.js';
import { productNode } from '../helpers/product-node.js';
import { createTestServingCert } from '../helpers/test-certs.js';

const support = await containerSupport();
const root = repoRoot();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function podman(args: string[]): Run {
  const r = spawnSync('podman', args, {
    env: { ...process.env, ...podmanEnv() },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The checkout's CLI, on the product's Node.js, for comparison with the image's. */
function localCli(args: string[]): Run {
  const r = spawnSync(productNode(), [join(root, 'dist', 'cli', 'main.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function post(
  port: number,
  path: string,
  body: unknown,
  ca: Buffer,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function review(object: Record<string, unknown>, uid: string) {
  const metadata = object['metadata'] as { name: string; namespace: string };
  const [group = '', version = ''] = String(object['apiVersion']).split('/');
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group, version, kind: object['kind'] },
      resource: { group, version, resource: 'gateways' },
      name: metadata.name,
      namespace: metadata.namespace,
      operation: 'CREATE',
      userInfo: { username: 'image-test' },
      object,
      dryRun: false,
    },
  };
}

const firstDocument = (file: string): Record<string, unknown> =>
  parseAllDocuments(readFileSync(join(root, file), 'utf8'))[0]?.toJS() as Record<string, unknown>;

describe(
  'the image built from the Dockerfile',
  { skip: support.ok ? false : support.reason },
  () => {
    let image: BuiltImage;

    before(
      async () => {
        image = await ensureImage();
      },
      // Cold: debootstrap and the build, minutes on two busy cores; warm: a hash of the context.
      { timeout: 30 * 60_000 },
    );

    it('runs the CLI as the numeric non-root user on the Dockerfile’s Node.js major', () => {
      const user = podman(['image', 'inspect', '--format', '{{.Config.User}}', image.ref]);
      assert.equal(user.stdout.trim(), '65532:65532');
      const help = podman(['run', '--rm', '--network=none', image.ref, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.equal(help.stdout, localCli(['--help']).stdout, 'the same CLI as the checkout');
      for (const command of ['validate', 'plan', 'webhook', 'syncer']) {
        assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
      }
      const version = podman([
        'run',
        '--rm',
        '--network=none',
        '--entrypoint',
        '/nodejs/bin/node',
        image.ref,
        '--version',
      ]);
      assert.equal(version.code, 0, version.stderr);
      const wanted = /^ARG NODE_VERSION=(\d+)$/m.exec(
        readFileSync(join(root, 'Dockerfile'), 'utf8'),
      )?.[1];
      assert.match(version.stdout.trim(), new RegExp(`^v${wanted}\\.`));
      // No shell in the final image: distroless, as the Dockerfile promises.
      const shell = podman([
        'run',
        '--rm',
        '--network=none',
        '--entrypoint',
        '/bin/sh',
        image.ref,
        '-c',
        'true',
      ]);
      assert.notEqual(shell.code, 0, 'the image has no /bin/sh');
    });

    it('validates the bundled examples with the same verdicts as the checkout’s CLI', () => {
      for (const [example, exitCode] of [
        ['bookinfo', 0],
        ['tenancy', 0],
        ['mistakes', 1],
      ] as const) {
        const args = ['validate', '-o', 'json', `examples/${example}`];
        const inImage = podman([
          'run',
          '--rm',
          '--network=none',
          '--read-only',
          '--volume',
          `${join(root, 'examples')}:/app/examples:ro`,
          image.ref,
          ...args,
        ]);
        assert.equal(inImage.code, exitCode, `${example}: ${inImage.stderr}`);
        const local = localCli(args);
        assert.equal(local.code, exitCode);
        const results = (JSON.parse(inImage.stdout) as { results: { allowed: boolean }[] }).results;
        assert.ok(results.length > 0, example);
        assert.deepEqual(JSON.parse(inImage.stdout), JSON.parse(local.stdout), example);
      }
    });

    describe('the webhook: read-only root, no capabilities, the image’s user, TLS from a mounted folder', () => {
      const name = `aws-controller-image-test-${process.pid}`;
      let certDir: string;
      let caPem: Buffer;
      let port: number;
      let metricsPort: number;

      before(async () => {
        const cert = await createTestServingCert('aws-controller-image-test');
        caPem = cert.caPem;
        certDir = mkdtempSync(join(tmpdir(), 'aws-controller-image-certs-'));
        writeFileSync(join(certDir, 'tls.crt'), cert.cert);
        writeFileSync(join(certDir, 'tls.key'), cert.key);
        // As a Secret volume with the chart's defaultMode lets a non-root user read it.
        chmodSync(certDir, 0o755);
        chmodSync(join(certDir, 'tls.key'), 0o644);
        port = await freePort();
        metricsPort = await freePort();
        // The host's network (loopback only: the server binds 127.0.0.1) so no bridge or iptables
        // rule is made on the machine; podman removes the container when it stops.
        const run = podman([
          'run',
          '--detach',
          '--rm',
          '--name',
          name,
          '--read-only',
          '--cap-drop=ALL',
          '--security-opt=no-new-privileges',
          '--network=host',
          '--volume',
          `${certDir}:/certs:ro`,
          image.ref,
          'webhook',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--metrics-port',
          String(metricsPort),
          '--tls-cert-file',
          '/certs/tls.crt',
          '--tls-key-file',
          '/certs/tls.key',
        ]);
        assert.equal(run.code, 0, run.stderr);
        const deadline = Date.now() + 60_000;
        for (;;) {
          const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
            (r) => r.ok,
            () => false,
          );
          if (ready) break;
          if (Date.now() > deadline) {
            assert.fail(
              `the webhook container never became ready:\n${podman(['logs', name]).stderr}`,
            );
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      });

      after(() => {
        podman(['rm', '--force', '--time', '5', name]);
        rmSync(certDir, { recursive: true, force: true });
      });

      it('runs as uid 65532 with no capabilities on a read-only root filesystem', () => {
        const inspect = podman([
          'inspect',
          '--format',
          '{{.State.Pid}} {{.HostConfig.ReadonlyRootfs}}',
          name,
        ]);
        assert.equal(inspect.code, 0, inspect.stderr);
        const [pid, readOnly] = inspect.stdout.trim().split(' ');
        assert.equal(readOnly, 'true');
        // The kernel's view of the container's process, not podman's word for it.
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
        assert.match(status, /^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
        for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
          assert.match(status, new RegExp(`^${set}:\\s+0000000000000000$`, 'm'), set);
        }
        assert.match(status, /^NoNewPrivs:\s+1$/m);
      });

      it('answers AdmissionReviews over TLS: denies a mistake with its message, admits a good Gateway', async () => {
        const bad = await post(
          port,
          '/validate',
          review(firstDocument('examples/mistakes/gateway-mistakes.yaml'), 'bad-1'),
          caPem,
        );
        assert.equal(bad.status, 200);
        const badResponse = (
          bad.json as { response: { uid: string; allowed: boolean; status?: { message?: string } } }
        ).response;
        assert.equal(badResponse.uid, 'bad-1');
        assert.equal(badResponse.allowed, false);
        assert.match(badResponse.status?.message ?? '', /hostnmae/);

        const good = await post(
          port,
          '/validate',
          review(firstDocument('examples/bookinfo/gateway.yaml'), 'good-1'),
          caPem,
        );
        assert.equal(good.status, 200);
        const goodResponse = (good.json as { response: { uid: string; allowed: boolean } })
          .response;
        assert.deepEqual([goodResponse.uid, goodResponse.allowed], ['good-1', true]);

        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        assert.match(metrics, /admission_denials_total\{[^}]*\} 1\b/);
        const logs = podman(['logs', name]);
        assert.doesNotMatch(`${logs.stdout}${logs.stderr}`, /"level":(50|60)/, 'no error logged');
      });
    });
  },
);
