/**
 * Encoder of the Prometheus text format, 0.0.4 and 1.0.0. Pure: no I/O.
 *
 * What text cannot carry is left out and counted (see conversion.ts): exemplars, created
 * timestamps, units, native histograms' buckets (a native histogram is served as its classic
 * histogram; without one, with only its `+Inf` bucket, `_sum` and `_count`, as the Go client
 * writes it in text). OpenMetrics types map to text types: info and stateset are gauges, a
 * gauge histogram `foo` the gauges `foo_bucket`, `foo_gcount` and `foo_gsum` (the series
 * Prometheus stores for it), unknown is untyped. Names outside the legacy set are written
 * quoted in 1.0.0 with `allow-utf-8`, and escaped otherwise. Timestamps are whole milliseconds
 * (an OpenMetrics timestamp's fraction of a millisecond is rounded).
 * @module
 */
import { LF, SPACE } from "./_scan.ts";
import { WrittenHelp } from "./help.ts";
import {
  ByteWriter,
  encodedSizeHint,
  HELP_LINE,
  nameBytes,
  PartLabels,
  type SampleName,
  sampleName,
  TYPE_LINE,
  writeMetadataStart,
} from "./_writer.ts";
import { type DroppedCounts, type Encoded, noneDropped } from "./conversion.ts";
import type { MergedFamily } from "./merge.ts";
import { escapeName, type Escaping } from "./names.ts";
import { BUCKET, CREATED, GCOUNT, GSUM, NATIVE, type Role, ROLE_SUFFIX } from "./store.ts";

/** The Content-Type of text 0.0.4, as served to clients that ask for no format. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Options of {@linkcode encodeText}. */
export interface EncodeTextOptions {
  /** The version written; 0.0.4 by default. */
  readonly version?: "0.0.4" | "1.0.0";
  /**
   * How names outside the legacy set are written: `underscores` by default; `allow-utf-8`
   * (quoted) in 1.0.0 only, 0.0.4 escaping them with `underscores` then.
   */
  readonly escaping?: Escaping;
}

const ascii = (text: string) => new TextEncoder().encode(text);
const GAUGE = ascii("gauge");

/** The type word of each type in a TYPE line. */
const TEXT_TYPES: Readonly<Record<MergedFamily["type"], Uint8Array>> = {
  counter: ascii("counter"),
  gauge: GAUGE,
  histogram: ascii("histogram"),
  gaugehistogram: GAUGE,
  summary: ascii("summary"),
  info: GAUGE,
  stateset: GAUGE,
  unknown: ascii("untyped"),
};

/** Encodes merged families as a text exposition, in the order given. */
export function encodeText(
  families: readonly MergedFamily[],
  options: EncodeTextOptions = {},
): Encoded {
  const asked = options.escaping ?? "underscores";
  const escaping = asked === "allow-utf-8" && options.version !== "1.0.0" ? "underscores" : asked;
  const encoder = new TextEncoder_({ escaping, size: encodedSizeHint(families) });
  for (const family of families) encoder.family(family);
  return { body: encoder.w.result(), dropped: encoder.dropped };
}

class TextEncoder_ {
  readonly w: ByteWriter;
  readonly dropped: DroppedCounts = noneDropped();
  readonly #escaping: Escaping;

  constructor(options: { escaping: Escaping; size: number }) {
    this.#escaping = options.escaping;
    this.w = new ByteWriter(options.size);
  }

  family(family: MergedFamily): void {
    if (family.unit !== undefined) this.dropped.unit++;
    // Names are mostly escaped by the merge already (`nameOf`), so that families whose
    // escaped names are the same merge; this escapes those given otherwise.
    const name = escapeName(family.name, this.#escaping);
    if (family.type !== "gaugehistogram") {
      this.#section(family, { name, roles: undefined });
      return;
    }
    // A gauge histogram is three gauges, as Prometheus stores it.
    this.#section(family, { name: name + "_bucket", roles: [BUCKET, NATIVE] });
    this.#section(family, { name: name + "_gcount", roles: [GCOUNT] });
    this.#section(family, { name: name + "_gsum", roles: [GSUM] });
  }

  /**
   * Writes the HELP and TYPE lines of `name`, and the samples of `family` of the given roles
   * (all when undefined), each under its own name (`roles`: under `name` itself).
   */
  #section(family: MergedFamily, what: { name: string; roles: readonly Role[] | undefined }): void {
    const { name, roles } = what;
    const w = this.w;
    const metadataName = nameBytes(name);
    let header = false;
    const writeHeader = () => {
      header = true;
      if (family.help !== undefined) {
        writeMetadataStart(w, HELP_LINE, metadataName);
        const help = family.help;
        if (help instanceof WrittenHelp) w.copy(help.body, help.start, help.end);
        else w.escaped(help, false);
        w.byte(LF);
      }
      writeMetadataStart(w, TYPE_LINE, metadataName);
      w.raw(roles === undefined ? TEXT_TYPES[family.type] : GAUGE);
      w.byte(LF);
    };
    // The name of each role's samples: `name` + suffix, or `name` for a gauge histogram part.
    const names: (SampleName | undefined)[] = [];
    const nameOf = (r: Role) =>
      names[r] ??= sampleName(roles === undefined ? name + ROLE_SUFFIX[r] : name);
    for (const part of family.parts) {
      const { store, indices } = part;
      const role = store.role;
      const labels = new PartLabels(this.w, part, this.#escaping);
      for (let n = 0; n < indices.length; n++) {
        const i = indices[n]!;
        const r = role[i]!;
        if (roles !== undefined && !roles.includes(r)) continue;
        if (r === CREATED) {
          this.dropped.created_timestamp++;
          continue;
        }
        if (r === NATIVE) {
          this.dropped.native_histogram_buckets++;
          // Followed by its classic buckets, if it has some; else served as +Inf, sum, count.
          const next = indices[n + 1];
          if (
            next !== undefined && role[next] === BUCKET && store.metric[next] === store.metric[i]
          ) {
            continue;
          }
        }
        if (!header) writeHeader();
        this.#line(labels, i, nameOf(r === NATIVE ? BUCKET : r), r === NATIVE);
      }
    }
  }

  /** Writes one sample line. */
  #line(labels: PartLabels, i: number, name: SampleName, native: boolean): void {
    const w = this.w;
    const store = labels.store;
    if (name.plain !== undefined) w.raw(name.plain);
    labels.write(i, native ? name.native : name.extras);
    w.byte(SPACE);
    w.value(native ? store.natives[store.value[i]!]!.count : store.value[i]!);
    const timestamp = store.timestampOf(i);
    if (timestamp === timestamp) {
      w.byte(SPACE);
      w.integer(Math.round(timestamp));
    }
    w.byte(LF);
    if (store.exemplarOf(i) !== undefined) this.dropped.exemplar++;
  }
}
