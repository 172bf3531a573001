/** The one bounded reader: what it keeps, whatever the pieces a stream comes in. */
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import type { ProbeRequest, ProbeResult } from "./_bounded_read_probe.ts";
import { readBounded } from "../src/exporters/_bounded_read.ts";
import { ByteBudget } from "../src/exporters/byte_budget.ts";
import { ScrapeFailure } from "../src/exporters/exporter.ts";

const PROBE = new URL("./_bounded_read_probe.ts", import.meta.url).pathname;

/** Runs the probe in its own process, the garbage collector exposed. */
async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "--no-prompt", PROBE, JSON.stringify(request)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert(output.success, decoder.decode(output.stderr));
  return JSON.parse(decoder.decode(output.stdout));
}

/**
 * What the runtime itself allocates outside the heap while a probe runs, with or without
 * anything read (about 100 KB): allowed on top of the small limits.
 */
const RUNTIME_NOISE = 256 * 1024;

for (const kind of ["bytes", "default"] as const) {
  Deno.test(`10,000 one-byte views over 64 KiB buffers (${kind} stream): under 2x the limit kept`, async () => {
    const limit = 1024 * 1024;
    const result = await probe({ kind, pieces: 10_000, limit, overflow: "fail" });
    assertEquals(result.read, 10_000);
    assert(result.intact, "the bytes read are the bytes sent");
    // Keeping the pieces, the readers before kept 64 KiB for each: 655 MB here.
    assert(result.capacity < 2 * limit, `capacity ${result.capacity}`);
    assert(result.peakExternal < 2 * limit, `peak ${result.peakExternal} bytes kept`);
    assert(result.finalExternal < 2 * limit, `${result.finalExternal} bytes kept at the end`);
  });

  Deno.test(`10,000 one-byte views, truncated at 4 KiB (${kind} stream): under 2x the cap kept`, async () => {
    const limit = 4096;
    const result = await probe({ kind, pieces: 10_000, limit, overflow: "truncate" });
    assertEquals(result.read, limit);
    assert(result.intact);
    assertEquals(result.capacity, limit);
    // Truncating by keeping views (the stderr reader before) kept 64 KiB a piece: 268 MB here.
    assert(result.peakExternal < 2 * limit + RUNTIME_NOISE, `peak ${result.peakExternal} kept`);
  });

  Deno.test(`10,000 one-byte views over a limit of 4 KiB (${kind} stream): body_too_large, nothing kept`, async () => {
    const result = await probe({ kind, pieces: 10_000, limit: 4096, overflow: "fail" });
    assertEquals(result.read, "probe is larger than the limit of 4096 bytes");
    assert(result.peakExternal < 2 * 4096 + RUNTIME_NOISE, `peak ${result.peakExternal} kept`);
  });
}

function streamOf(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(pieces.map((p) => encoder.encode(p)));
}

Deno.test("the bytes read are exactly what came, in a buffer of exactly their size", async () => {
  const bytes = await readBounded(streamOf("ab", "", "cde", "f".repeat(40_000)), {
    limit: 1 << 20,
    what: "x",
  });
  assertEquals(bytes.byteLength, 40_005);
  assertEquals(bytes.buffer.byteLength, 40_005);
  assertEquals(new TextDecoder().decode(bytes.subarray(0, 6)), "abcdef");
  assertEquals(await readBounded(streamOf(), { limit: 10, what: "x" }), new Uint8Array(0));
});

Deno.test("over the limit: body_too_large, the stream canceled", async () => {
  let canceled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(1000)),
    cancel: () => void (canceled = true),
  });
  const error = await assertRejects(
    () => readBounded(stream, { limit: 4500, what: "body of GET x" }),
    ScrapeFailure,
  );
  assertEquals(error.category, "body_too_large");
  assertEquals(error.message, "body of GET x is larger than the limit of 4500 bytes");
  assert(canceled);
});

Deno.test("the bytes kept are taken from the budget; over it: memory_limit, all given back", async () => {
  const budget = new ByteBudget(100_000);
  const hold = budget.hold();
  const bytes = await readBounded(streamOf("x".repeat(30_000)), {
    limit: 1 << 20,
    what: "a",
    hold,
  });
  assertEquals(bytes.length, 30_000);
  assertEquals(budget.held, 30_000);
  const other = budget.hold();
  const error = await assertRejects(
    () => readBounded(streamOf("y".repeat(80_000)), { limit: 1 << 20, what: "b", hold: other }),
    ScrapeFailure,
  );
  assertEquals(error.category, "memory_limit");
  assertEquals(budget.held, 30_000);
  hold.release();
  assertEquals(budget.held, 0);
  assert(!budget.exhausted());
});

Deno.test("stopping a read keeps what was read so far", async () => {
  const stop = new AbortController();
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (pulls++ === 2) {
        stop.abort();
        await new Promise(() => {}); // a pipe held open by a child that was not stopped
      }
      controller.enqueue(new TextEncoder().encode("ab"));
    },
  }, { highWaterMark: 0 });
  const bytes = await readBounded(stream, { limit: 100, what: "x", stop: stop.signal });
  assertEquals(new TextDecoder().decode(bytes), "abab");
});
