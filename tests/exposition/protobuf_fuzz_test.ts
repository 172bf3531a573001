/**
 * Fuzzing of the protobuf decoder: random mutations of real bodies (the Go client's, the
 * node_exporter capture in protobuf, every type of metric) either decode, into a store no
 * larger than the body allows, whose encoding decodes again to the same bytes, or fail with
 * a positioned DecodeError; never another exception.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  AUX_FACTOR,
  DecodeError,
  decodeProtobuf,
  encodeProtobuf,
  type Exposition,
} from "../../src/exposition/mod.ts";
import { ALL_TYPES, merged } from "./_protobuf.ts";

const SEEDS: readonly Uint8Array[] = [
  ALL_TYPES,
  Deno.readFileSync(new URL("../fixtures/go_client_exporter.pb", import.meta.url)),
  Deno.readFileSync(new URL("../fixtures/node_exporter_1.5.pb", import.meta.url)),
];

/** A deterministic pseudo-random generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that mean most to the wire format: varint ends and continuations, tags, lengths. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x22, 0x3a, 0x0b, 0x0c];

/** One random mutation of `body`, and what it was. */
function mutate(body: Uint8Array, next: () => number): { body: Uint8Array; what: string } {
  const at = Math.floor(next() * body.length);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const out = Array.from(body);
  switch (Math.floor(next() * 7)) {
    case 0:
      out[at] = out[at]! ^ (1 << Math.floor(next() * 8));
      return { body: Uint8Array.from(out), what: `bit flip at ${at}` };
    case 1: {
      const value = pick(INTERESTING);
      out[at] = value;
      return { body: Uint8Array.from(out), what: `byte ${value} at ${at}` };
    }
    case 2:
      return { body: body.slice(0, at), what: `truncated at ${at}` };
    case 3: {
      const length = 1 + Math.floor(next() * 16);
      out.splice(at, length);
      return { body: Uint8Array.from(out), what: `${length} bytes deleted at ${at}` };
    }
    case 4: {
      const length = 1 + Math.floor(next() * 32);
      out.splice(at, 0, ...out.slice(at, at + length));
      return { body: Uint8Array.from(out), what: `${length} bytes repeated at ${at}` };
    }
    case 5: {
      const bytes = Array.from({ length: 1 + Math.floor(next() * 8) }, () => pick(INTERESTING));
      out.splice(at, 0, ...bytes);
      return { body: Uint8Array.from(out), what: `${bytes} inserted at ${at}` };
    }
    default: {
      // A piece of another body.
      const other = pick(SEEDS);
      const from = Math.floor(next() * other.length);
      const piece = Array.from(other.subarray(from, from + 1 + Math.floor(next() * 64)));
      out.splice(at, 0, ...piece);
      return { body: Uint8Array.from(out), what: `${piece.length} bytes of a seed at ${at}` };
    }
  }
}

/** Checks a decoded exposition: bounded by its body, and encoded, decoded again the same. */
function assertSound(exposition: Exposition, body: Uint8Array, what: string): void {
  const { store } = exposition;
  // Every sample, native histogram and label byte comes from bytes of the body.
  assert(store.length <= body.length + 4, `${what}: ${store.length} samples`);
  assert(store.natives.length <= body.length, `${what}: ${store.natives.length} natives`);
  assert(store.auxLength <= body.length * AUX_FACTOR + (1 << 20), `${what}: aux`);
  const options = { escaping: "allow-utf-8" } as const;
  const encoded = encodeProtobuf(merged(exposition), options).body;
  const again = encodeProtobuf(merged(decodeProtobuf(encoded)), options).body;
  assertEquals(again, encoded, `${what}: encoding of the decoding of our encoding`);
}

Deno.test("fuzz: mutated protobuf bodies decode soundly or fail with a positioned error", () => {
  const next = random(0x5eed);
  let decoded = 0;
  let failed = 0;
  for (let i = 0; i < 3000; i++) {
    const seed = SEEDS[i % SEEDS.length]!;
    // One to three mutations of one seed.
    let mutation = { body: seed, what: `seed ${i % SEEDS.length}` };
    const count = 1 + Math.floor(next() * 3);
    for (let m = 0; m < count; m++) {
      const next_ = mutate(mutation.body, next);
      mutation = { body: next_.body, what: `${mutation.what}, ${next_.what}` };
    }
    const { body, what } = mutation;
    let exposition: Exposition;
    try {
      exposition = decodeProtobuf(body);
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        throw new Error(`iteration ${i} (${what}): not a DecodeError: ${e}`, { cause: e });
      }
      assertEquals(e.line, 1, what);
      assert(e.column >= 1 && e.column <= body.length + 1, `${what}: column ${e.column}`);
      assert(e.message.includes(`byte ${e.column - 1}`), `${what}: ${e.message}`);
      failed++;
      continue;
    }
    assertSound(exposition, body, `iteration ${i} (${what})`);
    decoded++;
  }
  // Both outcomes were exercised.
  assert(decoded > 100 && failed > 100, `${decoded} decoded, ${failed} failed`);
});

Deno.test("fuzz: random bytes fail with a positioned error or decode", () => {
  const next = random(42);
  for (let i = 0; i < 2000; i++) {
    const body = Uint8Array.from({ length: Math.floor(next() * 64) }, () => next() * 256);
    try {
      assertSound(decodeProtobuf(body), body, `random body ${body}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw new Error(`random body ${body}: ${e}`, { cause: e });
      assert(e.column >= 1 && e.column <= body.length + 1);
    }
  }
});
