/** Relabelling of an exporter's samples with its target labels. Pure: no I/O. */
import type { Label, LabelSet } from "./model.ts";

/**
 * A sample's labels once relabelled: its own labels, those named like a `target` label
 * renamed `exported_<name>` (prefixed again until unique, as Prometheus does for conflicting
 * target labels, so no value is lost), then the `target` labels.
 */
export function relabelLabels(own: LabelSet, target: LabelSet): LabelSet {
  if (target.length === 0) return own;
  if (own.length === 0) return target;
  if (!hasConflict(own, target)) return own.concat(target);
  return renameConflicts(own, target).concat(target);
}

/** Whether one of a sample's own labels has the name of a `target` label. */
export function hasConflict(own: LabelSet, target: LabelSet): boolean {
  // A nested loop over a handful of names is faster than building a set for each sample.
  for (let i = 0; i < own.length; i++) {
    const name = own[i]!.name;
    for (let j = 0; j < target.length; j++) if (target[j]!.name === name) return true;
  }
  return false;
}

function renameConflicts(own: LabelSet, target: LabelSet): Label[] {
  const targetNames = new Set(target.map((l) => l.name));
  const taken = new Set(targetNames);
  for (const l of own) taken.add(l.name);
  return own.map((l) => {
    if (!targetNames.has(l.name)) return l;
    let name = "exported_" + l.name;
    while (taken.has(name)) name = "exported_" + name;
    taken.add(name);
    return { name, value: l.value };
  });
}
