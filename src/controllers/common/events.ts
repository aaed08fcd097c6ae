// What controllers need from an event recorder. The client's recorder (which merges repeats into counts as
// Kubernetes does) satisfies it; tests pass a recording one.
import type { KubeObject } from '../../api/object.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export const discardEvents: EventSink = { event() {} };

/** Keeps events in memory, for tests. */
export class RecordedEvents implements EventSink {
  readonly events: { object: string; type: EventType; reason: string; message: string }[] = [];
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}`, type, reason, message });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
