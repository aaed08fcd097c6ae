// kube-scheduler's DefaultNormalizeScore: scale to 0..max by the highest raw score, optionally reversed
// (for "fewer is better" counts). Example: raw [0, 2, 4], max 100 -> [0, 50, 100]; reversed -> [100, 50, 0].
export function defaultNormalize(max: number, reverse: boolean, scores: Float64Array, count: number): void {
  let highest = 0;
  for (let i = 0; i < count; i++) if (scores[i]! > highest) highest = scores[i]!;
  if (highest === 0) {
    if (reverse) for (let i = 0; i < count; i++) scores[i] = max;
    return;
  }
  for (let i = 0; i < count; i++) {
    let s = Math.floor((max * scores[i]!) / highest);
    if (reverse) s = max - s;
    scores[i] = s;
  }
}
