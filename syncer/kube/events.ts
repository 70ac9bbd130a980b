// Kubernetes Events on the objects the syncer acts for, so `kubectl describe gateway x`
// shows what happened to its records. Failing to write an Event never stops the syncer, and
// Events never flood the apiserver: a few are sent at a time, and past a backlog the oldest
// waiting ones are dropped (and counted in the log), since each also has its own log line.
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubeRequest } from './client.js';
import type { KubeResource } from './reflector.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(object: KubeResource, type: EventType, reason: string, message: string): void;
}

const COMPONENT = 'aws-controller';
/** The apiserver refuses messages over 1 KiB. */
const MAX_MESSAGE = 1000;

export function eventFor(
  object: KubeResource,
  type: EventType,
  reason: string,
  message: string,
  now: Date,
): CoreV1Event {
  const namespace = object.metadata?.namespace ?? 'default';
  return {
    metadata: { generateName: `${object.metadata?.name ?? 'object'}.`, namespace },
    involvedObject: {
      ...(object.apiVersion !== undefined && { apiVersion: object.apiVersion }),
      ...(object.kind !== undefined && { kind: object.kind }),
      ...(object.metadata?.name !== undefined && { name: object.metadata.name }),
      namespace,
      ...(object.metadata?.uid !== undefined && { uid: object.metadata.uid }),
    },
    type,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
    source: { component: COMPONENT },
    reportingComponent: COMPONENT,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

export interface BoundedSinkOptions {
  /** Sends one Event; rejects on failure. */
  send: (event: CoreV1Event) => Promise<unknown>;
  logger: Logger;
  concurrency?: number;
  maxPending?: number;
  now?: () => Date;
}

/** An EventSink that sends at most `concurrency` at once and keeps at most `maxPending` waiting. */
export function boundedEventSink(
  options: BoundedSinkOptions,
): EventSink & { idle(): Promise<void> } {
  const { send, logger, concurrency = 4, maxPending = 1000, now = () => new Date() } = options;
  const queue: CoreV1Event[] = [];
  let inFlight = 0;
  let dropped = 0;
  let idleWaiters: (() => void)[] = [];
  const pump = (): void => {
    while (inFlight < concurrency && queue.length > 0) {
      const event = queue.shift() as CoreV1Event;
      inFlight++;
      send(event)
        .catch((err: unknown) =>
          logger.warn({ err, reason: event.reason }, 'could not record an Event'),
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
    if (inFlight === 0 && queue.length === 0) {
      if (dropped > 0) {
        logger.warn({ dropped }, 'Events dropped: too many at once (each is also logged)');
        dropped = 0;
      }
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    }
  };
  return {
    record(object, type, reason, message) {
      queue.push(eventFor(object, type, reason, message, now()));
      if (queue.length > maxPending) {
        queue.shift();
        dropped++;
      }
      pump();
    },
    idle: () =>
      inFlight === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise((resolve) => idleWaiters.push(resolve)),
  };
}

export function kubernetesEventSink(kc: KubeConfig, logger: Logger): EventSink {
  return boundedEventSink({
    logger,
    send: (event) =>
      kubeRequest(
        kc,
        'POST',
        `/api/v1/namespaces/${encodeURIComponent(event.metadata?.namespace ?? 'default')}/events`,
        { body: event, timeoutMs: 30_000 },
      ),
  });
}
