// HPA status conditions: AbleToScale, ScalingActive, ScalingLimited. A condition keeps its place in the list
// and its lastTransitionTime unless its status changes (setConditionInList).
import type { HpaCondition } from './types.js';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export function setCondition(list: HpaCondition[], type: ConditionType, status: 'True' | 'False', reason: string, message: string, now: Date): void {
  let c = list.find((x) => x.type === type);
  if (!c) list.push((c = { type, status }));
  if (c.status !== status || !c.lastTransitionTime) c.lastTransitionTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  c.status = status;
  c.reason = reason;
  c.message = message;
}
