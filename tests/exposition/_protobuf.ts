/**
 * Protobuf bodies for the tests, written field by field with `@bufbuild/protobuf`'s writer
 * (so that tests can also write what our encoder never would), and `protoc --decode_raw`.
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { decodeProtobuf } from "../../src/exposition/decode_protobuf.ts";
import { encodeProtobuf } from "../../src/exposition/encode_protobuf.ts";
import { type MergedFamily, mergeSources } from "../../src/exposition/merge.ts";
import type { MetricFamily } from "../../src/exposition/model.ts";
import { familiesOf } from "../../src/exposition/objects.ts";
import type { Exposition } from "../../src/exposition/store.ts";

/** A field's value: a varint, a double, a zigzag varint, a string, bytes, or a message. */
export type Value =
  | number
  | { readonly double: number }
  | { readonly sint: number }
  | string
  | Uint8Array
  | readonly Field[];

/** A field: its number and value. */
export type Field = readonly [number, Value];

/** The bytes of a message of `fields`, in the order given. */
export function message(fields: readonly Field[]): Uint8Array {
  const w = new BinaryWriter();
  writeFields(w, fields);
  return w.finish();
}

function writeFields(w: BinaryWriter, fields: readonly Field[]): void {
  for (const [number, value] of fields) {
    if (typeof value === "number") {
      w.tag(number, WireType.Varint).int64(value);
    } else if (typeof value === "string") {
      w.tag(number, WireType.LengthDelimited).string(value);
    } else if (value instanceof Uint8Array) {
      w.tag(number, WireType.LengthDelimited).bytes(value);
    } else if ("double" in value) {
      w.tag(number, WireType.Bit64).double(value.double);
    } else if ("sint" in value) {
      w.tag(number, WireType.Varint).sint64(value.sint);
    } else {
      w.tag(number, WireType.LengthDelimited).fork();
      writeFields(w, value);
      w.join();
    }
  }
}

/** Messages, each after its length: a length-delimited body. */
export function delimited(...messages: readonly Uint8Array[]): Uint8Array {
  const w = new BinaryWriter();
  for (const m of messages) w.bytes(m);
  return w.finish();
}

/** A `LabelPair` field of a `Metric` (field 1). */
export function label(name: string, value: string): Field {
  return [1, [[1, name], [2, value]]];
}

/** A `Timestamp` message. */
export function timestamp(seconds: number, nanos = 0): Field[] {
  return [[1, seconds], [2, nanos]];
}

/** A `MetricFamily` message: name, help, type (a `MetricType` number), metrics, and more. */
export function family(
  name: string,
  type: number,
  metrics: readonly (readonly Field[])[],
  more: readonly Field[] = [],
): Uint8Array {
  return message([
    [1, name],
    [2, `Help of ${name}.`],
    [3, type],
    ...metrics.map((m) => [4, m] as const),
    ...more,
  ]);
}

/** The families of an exposition merged alone, as encoders take them. */
export function merged(exposition: Exposition): MergedFamily[] {
  return mergeSources([{ exporterName: "test", exposition }]).families;
}

/** The families of an exposition encoded in protobuf and decoded again, as objects. */
export function protobufRoundTrip(exposition: Exposition): MetricFamily[] {
  return familiesOf(decodeProtobuf(encodeProtobuf(merged(exposition)).body));
}

/** Whether protoc is installed. */
export function hasProtoc(): boolean {
  try {
    new Deno.Command("protoc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

/**
 * What `protoc --decode_raw` prints for a length-delimited body: each message as field 1 of
 * one message (a tag byte before each length makes the body that message). Throws when
 * protoc cannot parse it.
 */
export async function protocDecodeRaw(body: Uint8Array): Promise<string> {
  const out: number[] = [];
  let p = 0;
  while (p < body.length) {
    out.push(0x0a);
    let length = 0;
    let shift = 0;
    for (;;) {
      const c = body[p++]!;
      out.push(c);
      length += (c & 0x7f) * 2 ** shift;
      shift += 7;
      if (c < 0x80) break;
    }
    for (let i = 0; i < length; i++) out.push(body[p + i]!);
    p += length;
  }
  const child = new Deno.Command("protoc", {
    args: ["--decode_raw"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(Uint8Array.from(out));
  await writer.close();
  const result = await child.output();
  if (!result.success) {
    throw new Error(`protoc --decode_raw: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}

/** The zero threshold the Go client gives native histograms by default. */
export const NATIVE_ZERO_THRESHOLD = 2 ** -128;

/**
 * A body with every kind of metric: counters (exemplar, created timestamp, timestamp), gauges
 * (escapes, a unit, a timestamp of 0), untyped, a summary, classic, native and float
 * histograms, a gauge histogram, a UTF-8 metric and label name.
 */
export const ALL_TYPES: Uint8Array = delimited(
  family("requests_total", 0, [
    [label("code", "200"), label("method", "get"), [3, [
      [1, { double: 1027 }],
      [2, [label("trace_id", "abc"), [2, { double: 1 }], [3, timestamp(1700000000, 500000000)]]],
      [3, timestamp(1690000000, 250000000)],
    ]]],
    [label("code", "500"), [3, [[1, { double: 3 }]]], [6, 1700000000123]],
  ]),
  family("temperature_celsius", 1, [
    [label("room", 'a "quoted" \\ value\nnew'), [2, [[1, { double: 21.5 }]]]],
    [label("room", "b"), [2, [[1, { double: -3 }]]], [6, 0]],
  ], [[5, "celsius"]]),
  family("some_untyped", 3, [[[5, [[1, { double: 42 }]]]]]),
  family("rpc_duration_seconds", 2, [
    [label("service", "a"), [4, [
      [1, 7],
      [2, { double: 12.5 }],
      [3, [[1, { double: 0.5 }], [2, { double: 1.5 }]]],
      [3, [[1, { double: 0.99 }], [2, { double: 4 }]]],
      [4, timestamp(1690000000)],
    ]]],
  ]),
  family("http_latency_seconds", 4, [
    [label("path", "/"), [7, [
      [1, 4],
      [2, { double: 5.5 }],
      [3, [[1, 1], [2, { double: 0.1 }], [3, [label("id", "x"), [2, { double: 0.05 }]]]]],
      [3, [[1, 3], [2, { double: 1 }]]],
      [15, timestamp(1690000000)],
    ]]],
  ]),
  family("native_seconds", 4, [
    [[7, [
      [1, 5],
      [2, { double: 3.25 }],
      [3, [[1, 1], [2, { double: 0.1 }]]],
      [3, [[1, 5], [2, { double: Infinity }], [3, [label("id", "inf"), [2, { double: 2 }]]]]],
      [5, { sint: 3 }],
      [6, { double: NATIVE_ZERO_THRESHOLD }],
      [7, 0],
      [12, [[1, { sint: -34 }], [2, 1]]],
      [12, [[1, { sint: 20 }], [2, 2]]],
      [13, { sint: 1 }],
      [13, { sint: 2 }],
      [13, { sint: -1 }],
      [16, [label("id", "n1"), [2, { double: 0.7 }], [3, timestamp(1700000000)]]],
    ]]],
  ]),
  family("native_only_seconds", 4, [
    [[7, [
      [1, 3],
      [2, { double: 2.5 }],
      [5, { sint: 3 }],
      [6, { double: 1e-9 }],
      [7, 1],
      [9, [[1, { sint: -8 }], [2, 1]]],
      [10, { sint: 1 }],
      [12, [[1, { sint: 13 }], [2, 1]]],
      [13, { sint: 1 }],
    ]]],
  ]),
  family("queue_size", 5, [
    [[7, [
      [2, { double: 10 }],
      [3, [[2, { double: 1 }], [4, { double: 1.5 }]]],
      [4, { double: 2.5 }],
      [5, { sint: 0 }],
      [6, { double: 0.001 }],
      [8, { double: 0.5 }],
      [12, [[1, { sint: 0 }], [2, 2]]],
      [14, { double: 1 }],
      [14, { double: 1 }],
    ]]],
  ]),
  family("my.dotted.metric", 1, [
    [label("label.with.dots", "v"), label("ok", "x"), [2, [[1, { double: 1 }]]]],
  ]),
);
