/**
 * The exporters of a path, and `exporter_defaults`: the keys every exporter has here, each
 * kind's own keys by the kind itself (its {@linkcode ExporterSchema}).
 * @module
 */
import type { Label } from "../exposition/model.ts";
import { type Fields, isMapping, keyAt, type Mapping } from "./fields.ts";
import type { ExporterConfig, ExporterSchema } from "./types.ts";

/** The label every sample gets, naming its exporter. */
export const EXPORTER_NAME_LABEL = "exporter_name";

/** Default limit on the size of one exporter's output. */
export const DEFAULT_BODY_SIZE_LIMIT = 128 * 1024 * 1024;

/** The keys every exporter has, whatever its kind. */
const COMMON_KEYS = ["name", "labels", "no_rewrite", "body_size_limit", "cache_for"] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `exporter_defaults`: the defaults of each kind, by kind name, checked on their own. */
export type Defaults = ReadonlyMap<string, Mapping>;

/** The exporters of the path at `at` (its `exporters` mapping is `value`), kind by kind. */
export function parseExporters(
  fields: Fields,
  value: unknown,
  options: {
    at: string;
    kinds: readonly ExporterSchema[];
    defaults: Defaults;
    servedPath: string | undefined;
  },
): ExporterConfig[] {
  const at = keyAt(options.at, "exporters");
  const byKind = fields.mapping(value, { at, known: options.kinds.map((k) => k.name) }) ?? {};
  const exporters: ExporterConfig[] = [];
  const names = new Set<string>();
  for (const kind of options.kinds) {
    fields.list(byKind[kind.name], keyAt(at, kind.name)).forEach((entry, i) => {
      const p = `${keyAt(at, kind.name)}[${i}]`;
      const own = fields.mapping(entry, { at: p, known: [...COMMON_KEYS, ...kind.keys] });
      if (own === undefined) return;
      const merged = mergeDefaults(options.defaults.get(kind.name) ?? {}, own);
      const exporter = parseExporter(fields, merged, { kind, at: p });
      if (exporter === undefined || exporter.name === "") return;
      if (names.has(exporter.name)) {
        fields.problem(
          keyAt(p, "name"),
          `duplicate exporter name "${exporter.name}" in path ${options.servedPath}: names must be unique within a path`,
        );
      }
      names.add(exporter.name);
      exporters.push(exporter);
    });
  }
  return exporters;
}

/** `exporter_defaults`: the keys of each kind but `name`, each value checked at its own key. */
export function parseDefaults(
  fields: Fields,
  value: unknown,
  kinds: readonly ExporterSchema[],
): Defaults {
  const m = fields.mapping(value, { at: "exporter_defaults", known: kinds.map((k) => k.name) }) ??
    {};
  const defaults = new Map<string, Mapping>();
  for (const kind of kinds) {
    const at = `exporter_defaults.${kind.name}`;
    const known = [...COMMON_KEYS.filter((k) => k !== "name"), ...kind.keys];
    const d = fields.mapping(m[kind.name], { at, known });
    if (d === undefined) continue;
    // Check the defaults on their own, so a bad value is reported once, at its own key.
    const before = fields.problems.length;
    parseExporter(fields, { name: "defaults", ...kind.standIns, ...d }, { kind, at });
    if (fields.problems.length === before) defaults.set(kind.name, d);
  }
  return defaults;
}

/** Keys that stand for one another: an exporter's own one replaces the default's other. */
const ALTERNATIVES: readonly (readonly string[])[] = [["password", "password_file"]];

/**
 * Merges `defaults` under `own`, key by key; nested mappings (labels, headers, basic_auth)
 * merge too, where an own `password` replaces a default `password_file` and the other way round.
 */
function mergeDefaults(defaults: Mapping, own: Mapping): Mapping {
  const out: Mapping = { ...defaults };
  for (const [k, v] of Object.entries(own)) {
    if (v === null || v === undefined) continue; // an empty key keeps the default
    const d = defaults[k];
    out[k] = isMapping(d) && isMapping(v) ? mergeDefaults(d, v) : v;
    for (const keys of ALTERNATIVES) {
      if (keys.includes(k)) { for (const other of keys) if (other !== k) delete out[other]; }
    }
  }
  return out;
}

/** One exporter: the keys every exporter has, then its kind's. */
function parseExporter(
  fields: Fields,
  m: Mapping,
  options: { kind: ExporterSchema; at: string },
): ExporterConfig | undefined {
  const { kind, at } = options;
  const name = fields.requiredString(m, { key: "name", at }) ?? "";
  const noRewrite = fields.boolean(m, { key: "no_rewrite", at, fallback: false });
  const targetLabels = parseTargetLabels(fields, m, { at, name, noRewrite });
  const bodySizeLimit = fields.byteSize(m, {
    key: "body_size_limit",
    at,
    fallback: DEFAULT_BODY_SIZE_LIMIT,
  });
  const cacheForMs = fields.duration(m, { key: "cache_for", at, fallback: 0 });
  const settings = kind.parse(fields, m, at);
  if (settings === undefined) return undefined;
  return { kind: kind.name, name, targetLabels, noRewrite, bodySizeLimit, cacheForMs, settings };
}

function parseTargetLabels(
  fields: Fields,
  m: Mapping,
  options: { at: string; name: string; noRewrite: boolean },
): Label[] {
  const { at, name, noRewrite } = options;
  const labels = fields.stringMap(m, { key: "labels", at });
  const out: Label[] = [];
  for (const [labelName, value] of Object.entries(labels)) {
    const p = keyAt(keyAt(at, "labels"), labelName);
    if (labelName === EXPORTER_NAME_LABEL) {
      fields.problem(
        p,
        `"${EXPORTER_NAME_LABEL}" is set from the exporter's name and cannot be a label`,
      );
    } else if (!LABEL_NAME.test(labelName)) {
      fields.problem(p, "invalid label name: use letters, digits and _, not starting with a digit");
    } else if (labelName.startsWith("__")) {
      fields.problem(p, 'invalid label name: names starting with "__" are reserved');
    } else {
      out.push({ name: labelName, value });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!noRewrite) out.push({ name: EXPORTER_NAME_LABEL, value: name });
  return out;
}
