// What @kubernetes/client-node's config module (KubeConfig) takes from its generated code, from
// the two small modules that define it: the `syncer` command loads config.js with this module
// in place of the generated code's index (see hooks.ts). When a new client-node
// version imports more names there, loading fails at once with the missing name, and
// register.test.ts says so.
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
