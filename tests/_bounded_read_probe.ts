/**
 * Feeds `readBounded` one-byte views, each over a distinct 64 KiB buffer, and measures what
 * stays allocated. Run as its own process, with the garbage collector exposed so that what is
 * measured is what the reader keeps, not garbage not yet collected:
 *
 *   deno run --v8-flags=--expose-gc --allow-read _bounded_read_probe.ts <request as JSON>
 *
 * prints a {@linkcode ProbeResult} as JSON.
 */
import { readBounded } from "../src/exporters/_bounded_read.ts";

/** What to feed. */
export interface ProbeRequest {
  /** A byte stream (as the runtime's are) or a default one. */
  readonly kind: "bytes" | "default";
  readonly pieces: number;
  readonly limit: number;
  readonly overflow: "fail" | "truncate";
}

/** What the reader kept, in bytes. */
export interface ProbeResult {
  /** Bytes read, or the failure's message. */
  readonly read: number | string;
  /** Whether the bytes read are the bytes sent. */
  readonly intact: boolean;
  /** The size of the buffer the result is in. */
  readonly capacity: number;
  /** The most memory outside the JavaScript heap (ArrayBuffers) while reading, less the start. */
  readonly peakExternal: number;
  /** The same, after the read, its result still held. */
  readonly finalExternal: number;
}

/** How often the feeder collects garbage and measures. */
const MEASURE_EVERY = 250;

const gc = (globalThis as { gc?: () => void }).gc;

/** Memory outside the heap, garbage collected (array buffers are freed after a collection). */
async function external(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return Deno.memoryUsage().external;
}

async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const start = await external();
  let peak = 0;
  let fed = 0;
  const pull = async (
    controller: ReadableStreamDefaultController | ReadableByteStreamController,
  ) => {
    if (fed % MEASURE_EVERY === 0) peak = Math.max(peak, await external() - start);
    if (fed === request.pieces) {
      controller.close();
      // A byte stream's reader waiting with its own buffer is told that nothing came.
      if ("byobRequest" in controller) controller.byobRequest?.respond(0);
      return;
    }
    const view = new Uint8Array(64 * 1024).subarray(fed % 1000, fed % 1000 + 1);
    view[0] = fed % 251;
    fed++;
    controller.enqueue(view);
  };
  const stream = request.kind === "bytes"
    ? new ReadableStream({ type: "bytes", pull })
    : new ReadableStream<Uint8Array>({ pull }, { highWaterMark: 0 });
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(stream, {
      limit: request.limit,
      what: "probe",
      overflow: request.overflow,
    });
  } catch (error) {
    return {
      read: error instanceof Error ? error.message : String(error),
      intact: false,
      capacity: 0,
      peakExternal: peak,
      finalExternal: await external() - start,
    };
  }
  const finalExternal = await external() - start;
  const intact = bytes.every((b, i) => b === i % 251);
  return {
    read: bytes.length,
    intact,
    capacity: bytes.buffer.byteLength,
    peakExternal: Math.max(peak, finalExternal),
    finalExternal,
  };
}

if (import.meta.main) {
  if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
  const result = await probe(JSON.parse(Deno.args[0] ?? "{}"));
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(result)));
}
