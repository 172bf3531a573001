/**
 * Encoder of the OpenMetrics text format, 1.0.0 and 0.0.1 (the same text). Pure: no I/O.
 *
 * Every family is written once, with its TYPE line, its UNIT line when OpenMetrics allows it
 * (the family's name ends with `_<unit>`; not for info and stateset), its HELP line, then its
 * samples, metric by metric in the order OpenMetrics gives them (buckets or quantiles,
 * `_count`, `_sum`, `_created`) even where the store has them interleaved, and `# EOF` last.
 * Names follow the data model's: a counter `foo_total` is written `# TYPE foo counter` with
 * samples `foo_total` and `foo_created`; a counter without `_total` is written as unknown under
 * its own name, as the Go libraries write it (its created timestamps and exemplars dropped);
 * an info `foo_info` is `# TYPE foo info` (one without `_info` is a gauge). When another
 * family already has the shorter name (a gauge `foo` next to a counter `foo_total`), the
 * counter or info is written under its own name in the same way. Timestamps are written in
 * seconds, exemplars as ` # {labels} value [timestamp]` on counters and buckets.
 *
 * What OpenMetrics 1.0 cannot carry is left out and counted (see conversion.ts): a native
 * histogram's buckets (it is written as its classic histogram, or without one as its `+Inf`
 * bucket with one of its exemplars), exemplars elsewhere than on a counter or a bucket or
 * with labels over 128 characters, created timestamps of gauge histograms and of families
 * written as unknown or gauge, units the name does not end with. Names outside the legacy
 * set are written quoted (`{"my.metric",a="b"}`, as Prometheus 3 reads them) only in 1.0.0
 * with `allow-utf-8`, and escaped otherwise.
 * @module
 */
import { formatSeconds } from "./_number.ts";
import { CLOSE_BRACE, codePoints, isNameChar, LF, OPEN_BRACE, SPACE } from "./_scan.ts";
import {
  ByteWriter,
  encodedSizeHint,
  HELP_LINE,
  nameBytes,
  PartLabels,
  type SampleName,
  sampleName,
  TYPE_LINE,
  UNIT_LINE,
  writeLabels,
  writeMetadataStart,
} from "./_writer.ts";
import { type DroppedCounts, type Encoded, noneDropped } from "./conversion.ts";
import { helpText } from "./help.ts";
import { EXEMPLAR_LABELS_LIMIT } from "./decode_openmetrics.ts";
import type { MergedFamily, MergedPart } from "./merge.ts";
import type { Exemplar } from "./model.ts";
import { escapeLabelName, escapeName, type Escaping } from "./names.ts";
import {
  BUCKET,
  COUNT,
  CREATED,
  GCOUNT,
  GSUM,
  NATIVE,
  QUANTILE,
  type Role,
  type SampleStore,
  SUM,
  VALUE,
} from "./store.ts";

/** Options of {@linkcode encodeOpenMetrics}. */
export interface EncodeOpenMetricsOptions {
  /** The version written; 1.0.0 by default. */
  readonly version?: "0.0.1" | "1.0.0";
  /** How names outside the legacy set are written; `allow-utf-8` only in 1.0.0. */
  readonly escaping?: Escaping;
}

const utf8 = new TextEncoder();
const EOF = utf8.encode("# EOF\n");
const EXEMPLAR = utf8.encode(" # ");

/** Where each role's samples go within a metric: buckets and quantiles, count, sum, created. */
const ROLE_RANK = new Uint8Array(NATIVE + 1);
[[VALUE, NATIVE, BUCKET, QUANTILE], [COUNT, GCOUNT], [SUM, GSUM], [CREATED]].forEach(
  (roles, rank) => roles.forEach((role) => ROLE_RANK[role] = rank),
);

/** Encodes merged families as an OpenMetrics exposition, in the order given. */
export function encodeOpenMetrics(
  families: readonly MergedFamily[],
  options: EncodeOpenMetricsOptions = {},
): Encoded {
  const version = options.version ?? "1.0.0";
  const asked = options.escaping ?? "underscores";
  const quoting = asked === "allow-utf-8" && version === "1.0.0";
  const escaping: Escaping = asked === "allow-utf-8" && !quoting ? "underscores" : asked;
  // Names are mostly escaped by the merge already (`nameOf`); this escapes those given otherwise.
  const names = families.map((f) => escapeName(f.name, escaping));
  const short = shortNames(families, names);
  const encoder = new OpenMetricsEncoder({ escaping, size: encodedSizeHint(families) });
  families.forEach((family, k) =>
    encoder.family(family, layoutOf(family.type, names[k]!, short[k]!))
  );
  encoder.w.raw(EOF);
  return { body: encoder.w.result(), dropped: encoder.dropped };
}

/** How a family is written in OpenMetrics. */
interface Layout {
  /** The name of its TYPE, UNIT and HELP lines. */
  readonly name: string;
  /** Its type, as its TYPE line writes it. */
  readonly type: string;
  /** The name of each role's samples; undefined for a role left out (created timestamps). */
  readonly samples: readonly (string | undefined)[];
  /** The role of the samples that may have exemplars; -1 when none may. */
  readonly exemplars: Role;
}

/** A counter's or info's name without its suffix: `foo` for `foo_total`; undefined for others. */
function baseName(type: MergedFamily["type"], name: string): string | undefined {
  const suffix = type === "counter" ? "_total" : type === "info" ? "_info" : undefined;
  if (suffix === undefined || name.length <= suffix.length || !name.endsWith(suffix)) {
    return undefined;
  }
  return name.slice(0, -suffix.length);
}

/**
 * Whether each family (written as `names`) takes the name without its suffix: each counter
 * `foo_total` and info `foo_info` does unless another family is written `foo`, which a family
 * that does not shorten is, or an earlier family that shortens to `foo`. A family that cannot
 * shorten keeps its own name, which may have been another's short name: so until none changes.
 */
function shortNames(families: readonly MergedFamily[], names: readonly string[]): boolean[] {
  const bases = families.map((f, k) => baseName(f.type, names[k]!));
  const short = bases.map((base) => base !== undefined);
  for (let changed = true; changed;) {
    changed = false;
    const taken = new Set(names.filter((_, k) => !short[k]));
    bases.forEach((base, k) => {
      if (!short[k]) return;
      if (taken.has(base!)) {
        short[k] = false;
        changed = true;
      } else {
        taken.add(base!);
      }
    });
  }
  return short;
}

/** The layout of a family of `type` written as `name`, shortened (see `shortNames`) or not. */
function layoutOf(type: MergedFamily["type"], name: string, short: boolean): Layout {
  const samples: (string | undefined)[] = [];
  switch (type) {
    case "counter":
    case "info": {
      samples[VALUE] = name;
      if (short) {
        const base = baseName(type, name)!;
        if (type === "info") return { name: base, type, samples, exemplars: -1 };
        samples[CREATED] = base + "_created";
        return { name: base, type, samples, exemplars: VALUE };
      }
      // As the Go libraries write a counter without `_total`, with the type that fits its name.
      return { name, type: type === "counter" ? "unknown" : "gauge", samples, exemplars: -1 };
    }
    case "gauge":
    case "unknown":
    case "stateset":
      samples[VALUE] = name;
      return { name, type, samples, exemplars: -1 };
    case "histogram":
    case "gaugehistogram": {
      const gauge = type === "gaugehistogram";
      samples[BUCKET] = samples[NATIVE] = name + "_bucket";
      samples[COUNT] = samples[GCOUNT] = name + (gauge ? "_gcount" : "_count");
      samples[SUM] = samples[GSUM] = name + (gauge ? "_gsum" : "_sum");
      // A gauge histogram has no created timestamp in OpenMetrics 1.0.
      if (!gauge) samples[CREATED] = name + "_created";
      return { name, type, samples, exemplars: BUCKET };
    }
    case "summary":
      samples[QUANTILE] = name;
      samples[COUNT] = name + "_count";
      samples[SUM] = name + "_sum";
      samples[CREATED] = name + "_created";
      return { name, type, samples, exemplars: -1 };
  }
}

class OpenMetricsEncoder {
  readonly w: ByteWriter;
  readonly dropped: DroppedCounts = noneDropped();
  readonly #escaping: Escaping;

  constructor(options: { escaping: Escaping; size: number }) {
    this.#escaping = options.escaping;
    this.w = new ByteWriter(options.size);
  }

  family(family: MergedFamily, layout: Layout): void {
    this.#metadata(family, layout);
    const names: (SampleName | undefined)[] = layout.samples.map((name) =>
      name === undefined ? undefined : sampleName(name)
    );
    for (const part of family.parts) this.#part(part, { layout, names });
  }

  /** The TYPE, UNIT and HELP lines of a family. */
  #metadata(family: MergedFamily, layout: Layout): void {
    const w = this.w;
    const name = nameBytes(layout.name);
    writeMetadataStart(w, TYPE_LINE, name);
    w.plain(layout.type);
    w.byte(LF);
    const unit = family.unit;
    if (unit !== undefined && unit !== "") {
      if (unitFits(layout, unit)) {
        writeMetadataStart(w, UNIT_LINE, name);
        w.plain(unit);
        w.byte(LF);
      } else {
        this.dropped.unit++;
      }
    }
    const help = helpText(family.help);
    if (help !== undefined && help !== "") {
      writeMetadataStart(w, HELP_LINE, name);
      w.escaped(help, true);
      w.byte(LF);
    }
  }

  /** Writes the samples of one part, metric by metric. */
  #part(part: MergedPart, how: { layout: Layout; names: readonly (SampleName | undefined)[] }) {
    const { layout, names } = how;
    const { store } = part;
    const order = metricOrder(part);
    const role = store.role;
    const labels = new PartLabels(this.w, part, this.#escaping);
    for (let n = 0; n < order.length; n++) {
      const i = order[n]!;
      const r = role[i]!;
      const name = names[r];
      if (name === undefined) {
        if (r !== CREATED) throw new Error(`a sample of role ${r} in a ${layout.type} family`);
        this.dropped.created_timestamp++;
        continue;
      }
      if (r === NATIVE) {
        this.dropped.native_histogram_buckets++;
        const native = store.natives[store.value[i]!]!;
        // Followed by its classic buckets, if it has some; else served as its +Inf bucket.
        const next = order[n + 1];
        if (next !== undefined && role[next] === BUCKET && store.metric[next] === store.metric[i]) {
          this.dropped.exemplar += native.exemplars.length;
          continue;
        }
        this.#line(labels, i, name, true);
        const exemplars = native.exemplars;
        this.dropped.exemplar += Math.max(exemplars.length - 1, 0);
        this.#exemplar(exemplars[exemplars.length - 1]);
      } else {
        this.#line(labels, i, name, false);
        const exemplar = store.exemplarOf(i);
        if (exemplar !== undefined) {
          if (r === layout.exemplars) this.#exemplar(exemplar);
          else this.dropped.exemplar++;
        }
      }
      this.w.byte(LF);
    }
  }

  /**
   * Writes sample line `i` but its exemplar and end; `native`: a native histogram's, written as
   * its `+Inf` bucket.
   */
  #line(labels: PartLabels, i: number, name: SampleName, native: boolean): void {
    const w = this.w;
    const store: SampleStore = labels.store;
    if (name.plain !== undefined) w.raw(name.plain);
    labels.write(i, native ? name.native : name.extras);
    w.byte(SPACE);
    w.value(native ? store.natives[store.value[i]!]!.count : store.value[i]!);
    const timestamp = store.timestampOf(i);
    if (timestamp === timestamp) {
      w.byte(SPACE);
      w.plain(formatSeconds(timestamp));
    }
  }

  /** Writes ` # {labels} value [timestamp]`, or counts the exemplar dropped when too long. */
  #exemplar(exemplar: Exemplar | undefined): void {
    if (exemplar === undefined) return;
    const escaping = this.#escaping;
    let characters = 0;
    for (const l of exemplar.labels) {
      characters += codePoints(escapeLabelName(l.name, escaping)) + codePoints(l.value);
    }
    if (characters > EXEMPLAR_LABELS_LIMIT) {
      this.dropped.exemplar++;
      return;
    }
    const w = this.w;
    w.raw(EXEMPLAR);
    if (exemplar.labels.length === 0) {
      w.byte(OPEN_BRACE);
      w.byte(CLOSE_BRACE);
    } else {
      writeLabels(w, exemplar.labels, { escaping });
    }
    w.byte(SPACE);
    w.value(exemplar.value);
    if (exemplar.timestampMs !== undefined) {
      w.byte(SPACE);
      w.plain(formatSeconds(exemplar.timestampMs));
    }
  }
}

/** Whether OpenMetrics allows `unit` on a family of `layout`. */
function unitFits(layout: Layout, unit: string): boolean {
  if (layout.type === "info" || layout.type === "stateset") return false;
  for (let i = 0; i < unit.length; i++) if (!isNameChar(unit.charCodeAt(i))) return false;
  const name = layout.name;
  return name.length > unit.length + 1 && name.endsWith(unit) &&
    name.charCodeAt(name.length - unit.length - 1) === 95; // _
}

/**
 * The samples of a part, each metric's together and in OpenMetrics's order: the part's own
 * indices when they already are (decoders number metrics in order of appearance), else sorted.
 */
function metricOrder(part: MergedPart): Int32Array {
  const { store, indices } = part;
  const metric = store.metric;
  const role = store.role;
  let previousMetric = -1;
  let previousRank = 0;
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n]!;
    const m = metric[i]!;
    const rank = ROLE_RANK[role[i]!]!;
    if (m < previousMetric || (m === previousMetric && rank < previousRank)) {
      return indices.slice().sort((a, b) =>
        metric[a]! - metric[b]! || ROLE_RANK[role[a]!]! - ROLE_RANK[role[b]!]! || a - b
      );
    }
    previousMetric = m;
    previousRank = rank;
  }
  return indices;
}
