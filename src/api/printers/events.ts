// Events, core v1 and events.k8s.io/v1: Kubernetes prints both from one internal type, so events.k8s.io
// objects are first mapped onto core field names.
import type { KubeObject } from '../object.js';
import { NAME_DOC, col, wide } from './columns.js';
import { age, int, obj, str } from './format.js';
import type { Printer } from './types.js';

/** events.k8s.io/v1 field names onto core v1 ones (regarding -> involvedObject, note -> message, ...). */
export function asCoreEvent(e: KubeObject): KubeObject {
  if (e.involvedObject !== undefined || (e.regarding === undefined && e.note === undefined && e.deprecatedSource === undefined)) return e;
  return {
    ...e,
    involvedObject: e.regarding,
    message: e.note,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
  };
}

export const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    wide('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
    wide('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.'),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    wide('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    wide('Count', 'string', 'The number of times this event has occurred.'),
    col('Name', 'string', NAME_DOC, 1, 'name'),
  ],
  cells(input, now) {
    const e = asCoreEvent(input);
    const involved = obj(e.involvedObject);
    const source = obj(e.source);
    const series = e.series === undefined || e.series === null ? undefined : obj(e.series);
    const first = str(e.firstTimestamp) ? age(str(e.firstTimestamp), now) : age(str(e.eventTime) || undefined, now);
    let last = str(e.lastTimestamp) ? age(str(e.lastTimestamp), now) : first;
    let n = int(e.count);
    if (series) {
      last = age(str(series.lastObservedTime) || undefined, now);
      n = int(series.count);
    } else if (n === 0) {
      n = 1; // singleton events of the new API carry no count
    }
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
    const component = str(source.component) || str(e.reportingController);
    const instance = str(source.host) || str(e.reportingInstance);
    return [
      last,
      str(e.type),
      str(e.reason),
      target,
      str(involved.fieldPath),
      instance ? `${component}, ${instance}` : component,
      str(e.message).trim(),
      first,
      n,
      e.metadata?.name ?? '',
    ];
  },
};
