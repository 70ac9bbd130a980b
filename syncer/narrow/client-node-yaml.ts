// What @kubernetes/client-node's config module takes from js-yaml, loaded only when a
// kubeconfig file is read: the `syncer` command resolves config.js's import of js-yaml to
// this module (hooks.ts). In a Pod the syncer reads its service account instead
// (KubeConfig.loadFromCluster), and js-yaml's ~0.25 MB of source in V8's heap (its text is
// not all Latin-1, so two bytes a character) would be kept for nothing.
import { loadLater } from './load-later.js';

const yaml = loadLater<{ load(...args: unknown[]): unknown }>('js-yaml');

// config.js calls this one function of js-yaml.
export const load = (...args: unknown[]) => yaml().load(...args);
