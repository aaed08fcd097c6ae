// API errors as values with a Kubernetes reason, turned into a `Status` body in one place (toStatus).
// Messages follow apimachinery's wording, because kubectl prints them verbatim:
//   Error from server (NotFound): configmaps "x" not found

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'Expired'
  | 'Timeout'
  | 'ServiceUnavailable'
  | 'InternalError'
  | '';

export type CauseType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'FieldValueTypeInvalid'
  | 'InternalError'
  | 'FieldManagerConflict'
  | 'UnexpectedServerResponse';

export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** Extra response headers (Retry-After, WWW-Authenticate...). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details && Object.keys(this.details).length > 0) s.details = this.details;
    return s;
  }
}

/** A resource as errors name it: plural plus group ("deployments.apps"), or a kind for Invalid. */
export interface ErrTarget {
  group: string;
  /** Lower-case plural, e.g. "configmaps". */
  resource: string;
}

const qualified = (t: ErrTarget) => (t.group ? `${t.resource}.${t.group}` : t.resource);

export const errors = {
  notFound(t: ErrTarget, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(t)} "${name}" not found`, {
      name,
      group: t.group || undefined,
      kind: t.resource,
    });
  },
  alreadyExists(t: ErrTarget, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(t)} "${name}" already exists`, {
      name,
      group: t.group || undefined,
      kind: t.resource,
    });
  },
  conflict(t: ErrTarget, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${name}": ${why}`, {
      name,
      group: t.group || undefined,
      kind: t.resource,
    });
  },
  /** The usual optimistic-concurrency conflict. */
  modified(t: ErrTarget, name: string): ApiError {
    return errors.conflict(
      t,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  },
  invalid(kind: { group: string; kind: string }, name: string, errs: FieldError[]): ApiError {
    const list = errs.map(fieldErrorString);
    const agg = list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
    // apimachinery names the kind with its group ("Deployment.apps"); kubectl rebuilds its own line from details
    const qualifiedKind = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
    return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${agg}`, {
      name,
      group: kind.group || undefined,
      kind: kind.kind,
      causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    });
  },
  badRequest(message: string, causes?: StatusCause[]): ApiError {
    return new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
  },
  unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError(401, 'Unauthorized', message);
  },
  forbidden(t: ErrTarget, name: string, why: string): ApiError {
    const what = name ? `${qualified(t)} "${name}"` : qualified(t);
    return new ApiError(403, 'Forbidden', `${what} is forbidden: ${why}`, {
      name: name || undefined,
      group: t.group || undefined,
      kind: t.resource,
    });
  },
  methodNotAllowed(verb: string, t: ErrTarget): ApiError {
    return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(t)}"`);
  },
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  /** A watch or list from a compacted resourceVersion. */
  tooOldResourceVersion(requested: string | number, oldest: number): ApiError {
    return new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(406, 'NotAcceptable', message);
  },
  unsupportedMediaType(contentType: string): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${contentType}`);
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', message);
  },
  tooManyRequests(message: string, retryAfterSeconds?: number): ApiError {
    return new ApiError(
      429,
      'TooManyRequests',
      message,
      retryAfterSeconds ? { retryAfterSeconds } : undefined,
      retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
    );
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  },
  unavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  },
  timeout(message: string, retryAfterSeconds = 1): ApiError {
    return new ApiError(504, 'Timeout', message, { retryAfterSeconds });
  },
};

// ---- field errors (apimachinery's validation/field) ----

export interface FieldError {
  type: CauseType;
  /** Path in Kubernetes' form: spec.template.spec.containers[0].image, metadata.labels[app] */
  field: string;
  /** The bad value, when there is one (omitted for Required). */
  value?: unknown;
  hasValue?: boolean;
  detail?: string;
  /** For NotSupported: the values that would be accepted. */
  supported?: string[];
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[]${typeof v[0] === 'string' ? 'string' : 'interface {}'}{${v.map(formatValue).join(', ')}}`;
  // Values with their own toString (a Quantity, a pre-rendered Go literal) print like Go's fmt.Stringer.
  if (typeof v === 'object' && (v as object).toString !== Object.prototype.toString) return String(v);
  // Go's %#v of a map[string]string: keys sorted, `"k":"v"` pairs joined by ", ".
  if (typeof v === 'object' && Object.values(v as object).every((x) => typeof x === 'string')) {
    const entries = Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** The part after "field: ", as apimachinery's ErrorBody() writes it. */
export function fieldErrorBody(e: FieldError): string {
  const withValue = (label: string) => {
    const hasValue = e.hasValue ?? e.value !== undefined;
    let s = hasValue ? `${label}: ${formatValue(e.value)}` : label;
    if (e.detail) s += `: ${e.detail}`;
    return s;
  };
  switch (e.type) {
    case 'FieldValueRequired':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'FieldValueForbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'FieldValueNotSupported': {
      const base = `Unsupported value: ${formatValue(e.value)}`;
      if (e.supported && e.supported.length > 0) {
        return `${base}: supported values: ${e.supported.map((x) => JSON.stringify(x)).join(', ')}`;
      }
      return e.detail ? `${base}: ${e.detail}` : base;
    }
    case 'FieldValueDuplicate':
      return withValue('Duplicate value');
    case 'FieldValueNotFound':
      return withValue('Not found');
    case 'FieldValueTooLong':
      return e.detail ? `Too long: ${e.detail}` : 'Too long';
    case 'FieldValueTooMany':
      return e.detail ? `Too many: ${e.detail}` : 'Too many';
    case 'FieldValueTypeInvalid':
      return withValue('Invalid value');
    case 'InternalError':
      return `Internal error: ${e.detail ?? ''}`;
    default:
      return withValue('Invalid value');
  }
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** Small constructors so validators read like the rules they check. */
export const field = {
  required: (path: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field: path, detail }),
  invalid: (path: string, value: unknown, detail?: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: path,
    value,
    hasValue: true,
    detail,
  }),
  notSupported: (path: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: path,
    value,
    hasValue: true,
    supported,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: path, value, hasValue: true }),
  forbidden: (path: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: path, detail }),
  tooLong: (path: string, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: path,
    detail: `may not be more than ${max} bytes`,
  }),
  tooMany: (path: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: path,
    detail: `${actual}: must have at most ${max} items`,
  }),
};

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
