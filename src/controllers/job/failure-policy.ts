// Pod failure policy (spec.podFailurePolicy): the first rule that matches a failed pod decides what its failure
// means: FailJob (the job fails now), FailIndex (its index fails, with backoffLimitPerIndex), Ignore (not
// counted against backoffLimit) or Count (counted, as without a policy).
import type { PodFailurePolicy, PodFailurePolicyRule } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus } from 'kubernetes-types/core/v1.js';
import type { Pod } from '../common/types.js';

export type FailureAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PolicyMatch {
  action: FailureAction;
  /** The condition message Kubernetes writes when the action is FailJob. */
  message: string;
}

function exitCodeMatch(rule: PodFailurePolicyRule, statuses: ContainerStatus[]): ContainerStatus | undefined {
  const req = rule.onExitCodes;
  if (!req) return undefined;
  return statuses.find((s) => {
    const code = s.state?.terminated?.exitCode;
    // A container that exited 0 did not fail, whatever the operator.
    if (code === undefined || code === 0) return false;
    if (req.containerName && req.containerName !== s.name) return false;
    const listed = req.values.includes(code);
    return req.operator === 'In' ? listed : !listed;
  });
}

/** The matching rule's action for a failed pod, or undefined when no rule matches (the failure counts). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch | undefined {
  if (!policy) return undefined;
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const [i, rule] of policy.rules.entries()) {
    const action = rule.action as FailureAction;
    const c = exitCodeMatch(rule, statuses);
    if (c) {
      const code = c.state?.terminated?.exitCode ?? 0;
      return { action, message: `Container ${c.name} for pod ${ns}/${name} failed with exit code ${code} matching ${action} rule at index ${i}` };
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const cond = pod.status?.conditions?.find((x) => x.type === pattern.type && x.status === (pattern.status ?? 'True'));
      if (cond) return { action, message: `Pod ${ns}/${name} has condition ${pattern.type} matching ${action} rule at index ${i}` };
    }
  }
  return undefined;
}
