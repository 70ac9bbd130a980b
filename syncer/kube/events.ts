// Kubernetes Events on the objects the syncer acts for, so `kubectl describe gateway x`
// shows what happened to its records. Failing to write an Event never stops the syncer.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeResource } from './reflector.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(object: KubeResource, type: EventType, reason: string, message: string): void;
}

const COMPONENT = 'aws-controller';

export function kubernetesEventSink(kc: KubeConfig, logger: Logger): EventSink {
  const api = kc.makeApiClient(CoreV1Api);
  return {
    record(object, type, reason, message) {
      const namespace = object.metadata?.namespace ?? 'default';
      const now = new Date();
      api
        .createNamespacedEvent({
          namespace,
          body: {
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
            // The apiserver refuses messages over 1 KiB.
            message: message.length > 1000 ? `${message.slice(0, 997)}...` : message,
            source: { component: COMPONENT },
            reportingComponent: COMPONENT,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        })
        .catch((err: unknown) => logger.warn({ err, reason }, 'could not record an Event'));
    },
  };
}
