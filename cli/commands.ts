// Commands are loaded when run, not all at start: each long-running container then holds
// only its own code and dependencies in memory (the syncer no express, no webhook; the
// webhook no client-node, no AWS SDK).
import { join } from 'node:path';
import type { CliIo } from './io.js';
import { UsageError } from './options.js';

const USAGE = `Usage: aws-controller <command> [options]

Commands:
  validate   run the admission checks on manifest files (offline)
  plan       show what the syncer would change in Route 53 (offline)
  webhook    serve the admission webhook
  syncer     reconcile Route 53 with the cluster (the sidecar)
  demo       validate, then plan, the bundled examples (what \`npm start\` runs)

Run \`aws-controller <command> --help\` for a command's options.
`;

export interface RunContext extends CliIo {
  /** Aborted on SIGTERM/SIGINT, for the long-running commands. */
  signal: AbortSignal;
  /** Folder of the bundled examples (`bookinfo/` manifests, `route53/` exported zone). */
  examplesDir: string;
}

/** Runs one command; returns the exit code (0 ok, 1 denied/failed checks, 2 usage or read error). */
export async function runCli(argv: string[], ctx: RunContext): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { validateCommand } = await import('./validate-command.js');
        return await validateCommand(rest, ctx);
      }
      case 'webhook': {
        await import('./http-web-exports.js');
        const { webhookCommand } = await import('./webhook-command.js');
        return await webhookCommand(rest, ctx, ctx.signal);
      }
      case 'syncer': {
        await import('./http-web-exports.js');
        // Before client-node and prom-client are first imported: KubeConfig without the
        // generated API, and what they load for calls the syncer rarely makes only when made.
        const { loadDependenciesNarrowly } = await import('../syncer/narrow/register.js');
        loadDependenciesNarrowly();
        const { syncerCommand } = await import('./syncer-command.js');
        return await syncerCommand(rest, ctx, ctx.signal);
      }
      case 'plan': {
        const { planCommand } = await import('./plan-command.js');
        return await planCommand(rest, ctx);
      }
      case 'demo':
        return await demo(ctx);
      case '--help':
      case '-h':
      case 'help':
        ctx.stdout.write(USAGE);
        return 0;
      case undefined:
        ctx.stderr.write(USAGE);
        return 2;
      default:
        ctx.stderr.write(`aws-controller: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    // Loaded only now: manifests.js brings the YAML parser, which most commands never need.
    const { ManifestError } = await import('./manifests.js');
    if (err instanceof UsageError || err instanceof ManifestError) {
      ctx.stderr.write(`aws-controller ${command ?? ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** The whole job on the bundled example: admission checks, then the Route 53 plan. */
async function demo(ctx: RunContext): Promise<number> {
  const manifests = join(ctx.examplesDir, 'bookinfo');
  const zone = join(ctx.examplesDir, 'route53');
  ctx.stdout.write(`$ aws-controller validate examples/bookinfo\n`);
  const { validateCommand } = await import('./validate-command.js');
  const { planCommand } = await import('./plan-command.js');
  const validated = await validateCommand([manifests], ctx);
  ctx.stdout.write(
    `\n$ aws-controller plan -f examples/bookinfo --zones examples/route53/hosted-zones.json \\\n` +
      `    --records Z0EXAMPLE12345=examples/route53/Z0EXAMPLE12345.json --owner-id demo-cluster\n`,
  );
  const planned = await planCommand(
    [
      '-f',
      manifests,
      '--zones',
      join(zone, 'hosted-zones.json'),
      '--records',
      `Z0EXAMPLE12345=${join(zone, 'Z0EXAMPLE12345.json')}`,
      '--owner-id',
      'demo-cluster',
    ],
    ctx,
  );
  // Many teams, one controller: the platform's domain policy keeps team-b off the shop
  // team's name (the webhook would deny it at apply time; the plan shows what the syncer does).
  const tenancy = join(ctx.examplesDir, 'tenancy');
  ctx.stdout.write(
    `\n$ aws-controller plan -f examples/tenancy -f examples/bookinfo/ingressgateway-service.yaml \\\n` +
      `    --zones examples/route53/hosted-zones.json --owner-id demo-cluster \\\n` +
      `    --domain-policy examples/tenancy/domain-policy.yaml\n`,
  );
  const tenants = await planCommand(
    [
      ...['-f', tenancy, '-f', join(manifests, 'ingressgateway-service.yaml')],
      ...['--zones', join(zone, 'hosted-zones.json'), '--owner-id', 'demo-cluster'],
      ...['--domain-policy', join(tenancy, 'domain-policy.yaml')],
    ],
    ctx,
  );
  return Math.max(validated, planned, tenants);
}
