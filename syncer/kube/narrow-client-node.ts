// Loads @kubernetes/client-node's KubeConfig without its generated API (client-node-hooks.ts):
// measured on Node 20, KubeConfig and Watch alone then cost ~10 MiB of heap and ~85 MiB RSS
// instead of ~34 MiB and ~120 MiB. Call before anything imports client-node; a process that
// loaded the generated code already (a test importing client-node's index) keeps it, and
// works the same.
import { register } from 'node:module';

let registered = false;

export function loadClientNodeNarrowly(): void {
  if (registered) return;
  registered = true;
  register('./client-node-hooks.js', import.meta.url);
}
