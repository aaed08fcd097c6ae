// Field numbers of the built-in messages that kubectl 1.32+ sends as protobuf through its typed clients
// (create namespace/configmap/secret/serviceaccount), from the wire format of k8s.io/api and apimachinery.
export type FieldType =
  | 'string'
  | 'bytes'
  | 'int64'
  | 'int32'
  | 'bool'
  | 'time'
  | 'rawjson'
  | { msg: string }
  | { map: 'string' | 'bytes' }
  | { repeated: 'string' | { msg: string } };

export type MessageSchema = Record<number, [name: string, type: FieldType]>;

export const MESSAGES: Record<string, MessageSchema> = {
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    4: ['selfLink', 'string'],
    5: ['uid', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['generation', 'int64'],
    8: ['creationTimestamp', 'time'],
    9: ['deletionTimestamp', 'time'],
    10: ['deletionGracePeriodSeconds', 'int64'],
    11: ['labels', { map: 'string' }],
    12: ['annotations', { map: 'string' }],
    13: ['ownerReferences', { repeated: { msg: 'OwnerReference' } }],
    14: ['finalizers', { repeated: 'string' }],
    17: ['managedFields', { repeated: { msg: 'ManagedFieldsEntry' } }],
  },
  OwnerReference: {
    1: ['kind', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
    6: ['controller', 'bool'],
    7: ['blockOwnerDeletion', 'bool'],
  },
  ManagedFieldsEntry: {
    1: ['manager', 'string'],
    2: ['operation', 'string'],
    3: ['apiVersion', 'string'],
    4: ['time', 'time'],
    6: ['fieldsType', 'string'],
    7: ['fieldsV1', { msg: 'FieldsV1' }],
    8: ['subresource', 'string'],
  },
  FieldsV1: { 1: ['Raw', 'rawjson'] },
  ObjectReference: {
    1: ['kind', 'string'],
    2: ['namespace', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['fieldPath', 'string'],
  },
  LocalObjectReference: { 1: ['name', 'string'] },
  ConfigMap: {
    1: ['metadata', { msg: 'ObjectMeta' }],
    2: ['data', { map: 'string' }],
    3: ['binaryData', { map: 'bytes' }],
    4: ['immutable', 'bool'],
  },
  Secret: {
    1: ['metadata', { msg: 'ObjectMeta' }],
    2: ['data', { map: 'bytes' }],
    3: ['type', 'string'],
    4: ['stringData', { map: 'string' }],
    5: ['immutable', 'bool'],
  },
  Namespace: {
    1: ['metadata', { msg: 'ObjectMeta' }],
    2: ['spec', { msg: 'NamespaceSpec' }],
    3: ['status', { msg: 'NamespaceStatus' }],
  },
  NamespaceSpec: { 1: ['finalizers', { repeated: 'string' }] },
  NamespaceStatus: { 1: ['phase', 'string'] },
  ServiceAccount: {
    1: ['metadata', { msg: 'ObjectMeta' }],
    2: ['secrets', { repeated: { msg: 'ObjectReference' } }],
    3: ['imagePullSecrets', { repeated: { msg: 'LocalObjectReference' } }],
    4: ['automountServiceAccountToken', 'bool'],
  },
};

/** Kinds (group/version/Kind) whose protobuf bodies Tugboat decodes. */
export const DECODABLE: Record<string, string> = {
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
};
