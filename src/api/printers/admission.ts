// admissionregistration.k8s.io/v1 printers.
import { AGE, NAME, col } from './columns.js';
import { age, count, obj, selectorString, str } from './format.js';
import type { Printer } from './types.js';

const webhookPrinter: Printer = {
  columns: [NAME, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), AGE],
  cells: (o, now) => [o.metadata?.name ?? '', count(o.webhooks), age(o.metadata?.creationTimestamp, now)],
};
export const mutatingWebhookPrinter = webhookPrinter;
export const validatingWebhookPrinter = webhookPrinter;

export const validatingAdmissionPolicyPrinter: Printer = {
  columns: [
    NAME,
    col('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const pk = spec.paramKind === undefined ? '<unset>' : `${str(obj(spec.paramKind).apiVersion)}/${str(obj(spec.paramKind).kind)}`;
    return [o.metadata?.name ?? '', count(spec.validations), pk, age(o.metadata?.creationTimestamp, now)];
  },
};

export const validatingAdmissionPolicyBindingPrinter: Printer = {
  columns: [
    NAME,
    col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    let param = '<unset>';
    if (spec.paramRef !== undefined && spec.paramRef !== null) {
      const p = obj(spec.paramRef);
      // Without a namespace the param may be cluster-scoped or in any namespace, hence "*/".
      if (str(p.name)) param = str(p.namespace) ? `${str(p.namespace)}/${str(p.name)}` : `*/${str(p.name)}`;
      else if (p.selector !== undefined) param = selectorString(p.selector);
    }
    return [o.metadata?.name ?? '', str(spec.policyName), param, age(o.metadata?.creationTimestamp, now)];
  },
};
