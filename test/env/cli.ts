// npm run env -- <command>
//   up        build what is missing, start everything, print ONE JSON object on stdout;
//             --node adds a node (containerd, kubelet, kube-proxy, controller-manager,
//             scheduler; root only); --image-archive FILE imports that image into it
//   down      stop exactly the processes `up` started (from the state file)
//   status    print the state JSON if the environment is running (exit 1 if not)
//   install   only build/fetch the pinned components into the cache
//   image     build the image from the Dockerfile with podman (stand-in base images made once
//             per machine), print ONE JSON object: its reference, ID and inputs hash;
//             --archive also writes a docker-archive for `ctr images import`
// Options: --state FILE (default .env-state/default/state.json in the repo); for up,
// --clusters N (1 to 4, default 1): N kube-apiservers, each with its own etcd and CRDs, sharing
// moto and the Route 53 proxy (state.clusters lists them all).
//          --route53-rate N|N/BURST|off (up: the proxy's account rate limit; default 5/5).
// Progress goes to stderr so stdout stays machine-readable.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureComponents, ensureNodeBinaries } from './components.js';
import { containerSupport, ensureImage } from './image.js';
import { defaultStateFile, runningState, startEnvironment, stopEnvironment } from './lifecycle.js';

const usage =
  'usage: npm run env -- up [--node [--image-archive FILE]...] [--clusters N] [--route53-rate N|N/BURST|off]|down|status|install [--node]|image [--archive] [--state FILE]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      state: { type: 'string' },
      node: { type: 'boolean', default: false },
      'image-archive': { type: 'string', multiple: true, default: [] },
      archive: { type: 'boolean' },
      clusters: { type: 'string' },
      'route53-rate': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const stateFile = values.state ?? defaultStateFile();
  if (values.help || command === undefined) {
    process.stderr.write(`${usage}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  switch (command) {
    case 'up': {
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const archives = values['image-archive'];
        if (archives.length > 0 && !values.node) throw new Error('--image-archive needs --node');
        const clusters = Number(values.clusters ?? '1');
        const state = await startEnvironment({
          stateFile,
          signal: abort.signal,
          clusters,
          ...(values['route53-rate'] !== undefined && { route53Rate: values['route53-rate'] }),
          ...(values.node ? { node: { imageArchives: archives } } : {}),
        });
        process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
        process.stderr.write(
          `[env] logs in ${state.logDir}\n[env] stop with: npm run env -- down${values.state ? ` --state ${stateFile}` : ''}\n`,
        );
        return 0;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
    case 'down': {
      if (!existsSync(stateFile)) {
        process.stderr.write(`[env] no environment recorded at ${stateFile}; nothing to stop\n`);
        return 0;
      }
      const { stopped } = await stopEnvironment(stateFile);
      process.stderr.write(
        stopped.length > 0
          ? `[env] stopped ${stopped.join(', ')}\n`
          : '[env] nothing was running\n',
      );
      return 0;
    }
    case 'status': {
      const state = await runningState(stateFile);
      if (!state) {
        process.stderr.write(`[env] not running (state ${stateFile})\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      return 0;
    }
    case 'install': {
      const components = await ensureComponents();
      const node = values.node ? await ensureNodeBinaries() : undefined;
      process.stdout.write(
        `${JSON.stringify(node ? { ...components, node } : components, null, 2)}\n`,
      );
      return 0;
    }
    case 'image': {
      const support = await containerSupport();
      if (!support.ok) {
        process.stderr.write(`[env] cannot build the image on this machine: ${support.reason}\n`);
        return 1;
      }
      const image = await ensureImage({ archive: values.archive === true });
      process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command '${command}'\n${usage}\n`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[env] ERROR: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof Error && err.cause instanceof Error) {
      process.stderr.write(`[env] cause: ${err.cause.message}\n`);
    }
    process.exit(1);
  },
);
