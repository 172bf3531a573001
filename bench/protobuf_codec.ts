/**
 * The protobuf codec against the text one, on the node_exporter capture and the generated
 * 100,000-series exposition (both converted to protobuf by our encoder, the capture once, in
 * tests/fixtures/node_exporter_1.5.pb): decode and encode in
 * MB/s (of the body decoded or written) and series/s, in CPU time (less disturbed by other
 * processes than wall-clock time), the median and the best of alternating rounds. With `--reader=library`, the
 * decoder reads with `@bufbuild/protobuf`'s reader instead of ours.
 *
 * `deno run --v8-flags=--max-semi-space-size=4 --allow-read=tests/fixtures bench/protobuf_codec.ts
 *   [--reader=library]`
 * @module
 */
import process from "node:process";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { BoundedReader, WireError, type WireReader } from "../src/exposition/_protobuf_reader.ts";
import { I64, LEN, VARINT } from "../src/exposition/_protobuf_schema.ts";
import { decodeProtobufWith } from "../src/exposition/decode_protobuf.ts";
import { decodeText } from "../src/exposition/decode_text.ts";
import { encodeProtobuf } from "../src/exposition/encode_protobuf.ts";
import { encodeText } from "../src/exposition/encode_text.ts";
import { type MergedFamily, mergeSources, targetLabelsOf } from "../src/exposition/merge.ts";
import { type Exposition, sampleCountOf } from "../src/exposition/store.ts";
import { generatedExposition, nodeExporterProtobuf, nodeExporterText } from "./payloads.ts";
import { say } from "./report.ts";

const TARGET = targetLabelsOf([{ name: "exporter_name", value: "node" }]);

function merged(exposition: Exposition): MergedFamily[] {
  return mergeSources([{ exporterName: "node", exposition, target: TARGET }]).families;
}

/** CPU time of this process so far, in ms (user and system, all threads). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The time of one call of `fn` in ms, from `runs` calls: wall-clock time, and CPU time
 * (which other processes on the machine disturb less).
 */
function measure(fn: () => unknown, runs: number): { wall: number; cpu: number } {
  const wallStart = performance.now();
  const cpuStart = cpuMs();
  for (let i = 0; i < runs; i++) fn();
  return { wall: (performance.now() - wallStart) / runs, cpu: (cpuMs() - cpuStart) / runs };
}

/** Rounds of each stage, alternating. */
const ROUNDS = 9;

interface Stage {
  readonly name: string;
  readonly bytes: number;
  readonly fn: () => unknown;
}

function report(payload: string, series: number, stages: readonly Stage[], runs: number): void {
  for (const s of stages) measure(s.fn, Math.max(3, runs >> 2)); // warm-up
  // Alternating rounds, so that a disturbance of the machine falls on every stage alike.
  const times = new Map<string, { wall: number; cpu: number }[]>(stages.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of stages) times.get(s.name)!.push(measure(s.fn, runs));
  }
  say(`\n${payload}: ${series} series, ${ROUNDS} rounds of ${runs} calls`);
  say(
    "| stage | body bytes | ms CPU (median) | ms CPU (best) | MB/s (best) | series/s (best) |",
  );
  say("|---|---:|---:|---:|---:|---:|");
  for (const s of stages) {
    const cpu = times.get(s.name)!.map((t) => t.cpu).sort((a, b) => a - b);
    const best = cpu[0]!;
    say(
      `| ${s.name} | ${s.bytes} | ${cpu[cpu.length >> 1]!.toFixed(2)} | ${best.toFixed(2)} | ${
        (s.bytes / 1e3 / best).toFixed(0)
      } | ${(series / 1e3 / best).toFixed(2)} M |`,
    );
  }
}

/**
 * The same reads through `@bufbuild/protobuf`'s `BinaryReader`, checked against the end of
 * the message being read (the library checks only the end of the body).
 */
class LibraryWireReader implements WireReader {
  readonly #r: BinaryReader;
  end: number;

  constructor(b: Uint8Array) {
    this.#r = new BinaryReader(b);
    this.end = b.length;
  }

  get pos(): number {
    return this.#r.pos;
  }

  set pos(p: number) {
    this.#r.pos = p;
  }

  uint32(): number {
    const r = this.#r;
    const at = r.pos;
    let v: number;
    try {
      v = r.uint32();
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated varint", at);
    return v;
  }

  uint64(): number {
    const r = this.#r;
    const at = r.pos;
    let v: bigint | string;
    try {
      v = r.uint64();
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated varint", at);
    return Number(v);
  }

  int64(): number {
    const r = this.#r;
    const at = r.pos;
    let v: bigint | string;
    try {
      v = r.int64();
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated varint", at);
    return Number(v);
  }

  sint32(): number {
    const r = this.#r;
    const at = r.pos;
    let v: number;
    try {
      v = r.sint32();
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated varint", at);
    return v;
  }

  sint64(): number {
    const r = this.#r;
    const at = r.pos;
    let v: bigint | string;
    try {
      v = r.sint64();
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated varint", at);
    return Number(v);
  }

  double(): number {
    const r = this.#r;
    if (r.pos + 8 > this.end) throw new WireError("truncated double", r.pos);
    return r.double();
  }

  length(): number {
    const at = this.#r.pos;
    const n = this.uint32();
    if (n > this.end - this.#r.pos) {
      throw new WireError(`length ${n} beyond the end of its message`, at);
    }
    return this.#r.pos + n;
  }

  skip(wire: number, at: number): void {
    if (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== 5) {
      throw new WireError(`unsupported wire type ${wire}`, at);
    }
    const r = this.#r;
    try {
      r.skip(wire);
    } catch (e) {
      throw wireError(e, at);
    }
    if (r.pos > this.end) throw new WireError("truncated field", at);
  }
}

/** The library's error (premature end, invalid varint) as a `WireError` at `at`. */
function wireError(e: unknown, at: number): WireError {
  return new WireError(e instanceof Error ? e.message : String(e), at);
}

/**
 * The reader the protobuf decoder uses in this run: ours (as `decodeProtobuf`), or, with
 * `--reader=library`, `@bufbuild/protobuf`'s. One per process, so that the decoder's calls
 * to it stay monomorphic, as in the program.
 */
const library = Deno.args.includes("--reader=library");
say(`protobuf reader: ${library ? "@bufbuild/protobuf's BinaryReader" : "our own"}`);

function decodeProtobuf(body: Uint8Array): Exposition {
  return decodeProtobufWith(body, library ? new LibraryWireReader(body) : new BoundedReader(body));
}

/** The 100k-series exposition in protobuf: the generated text, encoded by us. */
function generatedProtobuf(text: Uint8Array): Uint8Array {
  const families = mergeSources([{ exporterName: "node", exposition: decodeText(text) }]).families;
  return encodeProtobuf(families).body;
}

const encoder = new TextEncoder();
const generated = encoder.encode(generatedExposition(100_000));
for (
  const [payload, textBody, pbBody] of [
    ["node_exporter", encoder.encode(nodeExporterText()), nodeExporterProtobuf()],
    ["100k series", generated, generatedProtobuf(generated)],
  ] as const
) {
  const fromText = decodeText(textBody);
  const series = sampleCountOf(fromText);
  const fromPb = decodeProtobuf(pbBody);
  const textMerged = merged(fromText);
  const pbMerged = merged(fromPb);
  const textOut = encodeText(textMerged).body.length;
  const pbOut = encodeProtobuf(pbMerged).body.length;
  const runs = textBody.length > 1_000_000 ? 10 : 1000;
  report(payload, series, [
    { name: "decode text", bytes: textBody.length, fn: () => decodeText(textBody) },
    { name: "decode protobuf", bytes: pbBody.length, fn: () => decodeProtobuf(pbBody) },
    { name: "encode text", bytes: textOut, fn: () => encodeText(textMerged) },
    { name: "encode protobuf", bytes: pbOut, fn: () => encodeProtobuf(pbMerged) },
    {
      name: "decode+merge+encode text",
      bytes: textBody.length,
      fn: () => encodeText(merged(decodeText(textBody))),
    },
    {
      name: "decode+merge+encode protobuf",
      bytes: pbBody.length,
      fn: () => encodeProtobuf(merged(decodeProtobuf(pbBody))),
    },
  ], runs);
}
