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
  const targetNames = new Set(target.map((l) => l.name));
  return families.map((family) => ({
    ...family,
    samples: family.samples.map((s) => relabelSample(s, target, targetNames)),
  }));
}

function relabelSample(sample: Sample, target: LabelSet, targetNames: Set<string>): Sample {
  const own = sample.labels;
  let labels: LabelSet;
  if (own.length === 0) {
    labels = target;
  } else if (!own.some((l) => targetNames.has(l.name))) {
    labels = own.concat(target);
  } else {
    labels = renameConflicts(own, targetNames).concat(target);
  }
  return {
    name: sample.name,
    labels,
    value: sample.value,
    timestampMs: sample.timestampMs,
  };
}

function renameConflicts(own: LabelSet, targetNames: Set<string>): Label[] {
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
