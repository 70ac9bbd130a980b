// What the controller's tests build a Controller from: the options they share, dependencies
// that stay quiet unless a test hands in its own, a logger that keeps its lines, and the
// stopping of every controller a test file started.
import { afterEach } from 'node:test';
import { pino } from 'pino';
import { Controller, type ControllerDeps, type ControllerOptions } from '../controller.js';
import { createSyncerMetrics } from '../metrics.js';
import { ManualClock } from './manual-clock.js';

/** One cluster's syncer, policy SYNC, nothing filtered, a 10 ms debounce, no drift check due. */
export const TEST_OPTIONS: ControllerOptions = {
  ownerId: 'cluster-a',
  policy: 'SYNC',
  domainFilter: [],
  controllerName: 'aws-controller',
  ingressNamespaces: ['istio-system'],
  debounceMs: 10,
  driftIntervalMs: 600_000,
};

/**
 * The leader, no Events kept, metrics of its own, a silent logger, and a ManualClock: time
 * moves only when a test moves it, so no reconcile runs in the middle of one a test awaits.
 */
export function testDeps(
  deps: Pick<ControllerDeps, 'caches' | 'route53'> & Partial<ControllerDeps>,
): ControllerDeps {
  return {
    isLeader: () => true,
    events: { record: () => undefined },
    metrics: createSyncerMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    clock: new ManualClock(),
    ...deps,
  };
}

/** One line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A logger keeping every line at `level` or above, and the messages of errors apart. */
export function capturingLogger(level = 'info') {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  const logger = pino(
    { level },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as LogLine;
        lines.push(entry);
        if (entry.level >= 50) errors.push(entry.msg);
      },
    },
  );
  return { logger, lines, errors };
}

/**
 * Call at the top of a test file: the function it returns builds a Controller that is
 * stopped after the test that built it, so no timer of it outlives its test.
 */
export function controllersStoppedAfterEach(): (
  options: ControllerOptions,
  deps: ControllerDeps,
) => Controller {
  const running: Controller[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  return (options, deps) => {
    const controller = new Controller(options, deps);
    running.push(controller);
    return controller;
  };
}
