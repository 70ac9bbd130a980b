import type { Writable } from 'node:stream';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
}

const USAGE = `Usage: aws-controller <command> [options]

Commands:
  validate   run the admission checks on manifest files (offline)
  plan       show what would change in Route 53 (offline)
  webhook    serve the admission webhook
  syncer     reconcile objects into Route 53
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  io.stderr.write(`aws-controller: unknown command '${command}'\n\n${USAGE}`);
  return Promise.resolve(2);
}
