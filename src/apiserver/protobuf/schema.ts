// The message tables of schemas/*.ts, parsed once into field definitions the decoder walks.
import { MESSAGES as APPS_V1 } from './schemas/apps-v1.js';
import { MESSAGES as AUTHENTICATION_V1 } from './schemas/authentication-v1.js';
import { MESSAGES as AUTHORIZATION_V1 } from './schemas/authorization-v1.js';
import { MESSAGES as AUTOSCALING_V1 } from './schemas/autoscaling-v1.js';
import { MESSAGES as AUTOSCALING_V2 } from './schemas/autoscaling-v2.js';
import { MESSAGES as BATCH_V1 } from './schemas/batch-v1.js';
import { MESSAGES as CERTIFICATES_V1 } from './schemas/certificates-v1.js';
import { MESSAGES as COORDINATION_V1 } from './schemas/coordination-v1.js';
import { MESSAGES as CORE_V1 } from './schemas/core-v1.js';
import { MESSAGES as DISCOVERY_V1 } from './schemas/discovery-v1.js';
import { MESSAGES as MACHINERY } from './schemas/machinery.js';
import { MESSAGES as NETWORKING_V1 } from './schemas/networking-v1.js';
import { MESSAGES as POLICY_V1 } from './schemas/policy-v1.js';
import { MESSAGES as RBAC_V1 } from './schemas/rbac-v1.js';
import { MESSAGES as SCHEDULING_V1 } from './schemas/scheduling-v1.js';

export type Scalar = 's' | 'b' | 'i32' | 'i64' | 'bytes';

export interface FieldDef {
  json: string;
  /** a Scalar, or the name of a message */
  type: string;
  scalar: boolean;
  repeated: boolean;
  /** map<string, type> */
  map: boolean;
  /** Go pointer: a zero value was set on purpose and is kept */
  pointer: boolean;
  /** no omitempty: Go's JSON writes the zero value too */
  keepZero: boolean;
  /** embedded struct whose fields JSON puts in the parent object */
  inline: boolean;
}

export interface MessageDef {
  name: string;
  fields: Map<number, FieldDef>;
  /** a Go slice type (ExtraValue, Verbs): its JSON is the items array */
  list: boolean;
}

const SOURCES = [
  MACHINERY, CORE_V1, APPS_V1, BATCH_V1, RBAC_V1, POLICY_V1, NETWORKING_V1, SCHEDULING_V1, AUTOSCALING_V1,
  AUTOSCALING_V2, AUTHENTICATION_V1, AUTHORIZATION_V1, COORDINATION_V1, CERTIFICATES_V1, DISCOVERY_V1,
];
const SCALARS = new Set(['s', 'b', 'i32', 'i64', 'bytes']);

let parsed: Map<string, MessageDef> | undefined;

function parseField(spec: string): [number, FieldDef] {
  const [no, json, raw] = spec.split(':') as [string, string, string];
  let type = raw;
  const repeated = type.startsWith('[]');
  const map = type.startsWith('{}');
  if (repeated || map) type = type.slice(2);
  const flag = /[?!^]$/.test(type) ? type.slice(-1) : '';
  if (flag) type = type.slice(0, -1);
  return [
    Number(no),
    { json, type, scalar: SCALARS.has(type), repeated, map, pointer: flag === '?', keepZero: flag === '!', inline: flag === '^' },
  ];
}

export function message(name: string): MessageDef | undefined {
  if (!parsed) {
    parsed = new Map();
    for (const source of SOURCES) {
      for (const [msg, spec] of Object.entries(source)) {
        const parts = spec.split(' ').filter(Boolean);
        const list = parts[0] === 'list';
        parsed.set(msg, { name: msg, list, fields: new Map(parts.filter((p) => p !== 'list').map(parseField)) });
      }
    }
  }
  return parsed.get(name);
}
