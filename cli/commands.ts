import { ManifestError } from './manifests.js';
import type { CliIo } from './io.js';
import { UsageError } from './options.js';
import { validateCommand } from './validate-command.js';
import { webhookCommand } from './webhook-command.js';

const USAGE = `Usage: aws-controller <command> [options]

Commands:
  validate   run the admission checks on manifest files (offline)
  webhook    serve the admission webhook
  demo       validate the bundled examples (what \`npm start\` runs)

Run \`aws-controller <command> --help\` for a command's options.
`;

export interface RunContext extends CliIo {
  /** Aborted on SIGTERM/SIGINT, for the long-running commands. */
  signal: AbortSignal;
  /** Folder of the bundled examples. */
  examplesDir: string;
}

/** Runs one command; returns the exit code (0 ok, 1 denied/failed checks, 2 usage or read error). */
export async function runCli(argv: string[], ctx: RunContext): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate':
        return await validateCommand(rest, ctx);
      case 'webhook':
        return await webhookCommand(rest, ctx, ctx.signal);
      case 'demo':
        return await validateCommand([ctx.examplesDir], ctx);
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
    if (err instanceof UsageError || err instanceof ManifestError) {
      ctx.stderr.write(`aws-controller ${command ?? ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
