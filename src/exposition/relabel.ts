/** Relabelling of a source's samples with its exporter's labels. Pure: no I/O. */
import type { Label, LabelSet, MetricFamily, Sample } from "./types.ts";

/**
 * Adds `target` labels to every sample. A label already on a sample under one of those
 * names is renamed `exported_<name>` (prefixed again until unique), as Prometheus does
 * for conflicting target labels, so no value is lost.
 */
export function relabelFamilies(
  families: readonly MetricFamily[],
  target: LabelSet,
): MetricFamily[] {
  if (target.length === 0) return [...families];
  return families.map((family) => ({
    ...family,
    samples: relabelSamples(family.samples, target),
  }));
}

/** New samples with `target` labels added, as `relabelFamilies` adds them. */
export function relabelSamples(samples: readonly Sample[], target: LabelSet): Sample[] {
  if (target.length === 0) return samples.slice();
  return samples.map((s) => ({
    name: s.name,
    labels: relabelLabels(s.labels, target),
    value: s.value,
    timestampMs: s.timestampMs,
  }));
}

/**
 * A sample's labels once relabelled: its own labels, those named like a `target` label
 * renamed `exported_<name>`, then the `target` labels.
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
