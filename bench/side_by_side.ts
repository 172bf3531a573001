/**
 * The comparisons that issue 13 bounds, each side measured in processes of its own in a plain
 * timing loop (bench/pipeline_timing.ts), the two sides in turn for `SIDE_BY_SIDE_ROUNDS`
 * rounds, so that a disturbance of the machine falls on both alike; each figure is the median
 * of every batch's mean:
 * - the text 0.0.4 pipeline against the engine before issue 13 (1.1x), which is taken out of
 *   git at `BASELINE_COMMIT`;
 * - protobuf decode+encode against text's, per series (1x).
 * @module
 */
import { V8_FLAGS } from "../src/v8_flags.ts";
import { seriesOf } from "./engine_results.ts";
import type { BenchFormat } from "./formats.ts";
import { percentile } from "./load.ts";
import { ENGINE_PAYLOADS } from "./payloads.ts";
import { say } from "./report.ts";

/** The last commit before the engine was rewritten for issue 13. */
export const BASELINE_COMMIT = "945ce4939e2801c1d855a1c5c0a1f9e48e56074b";

/** What is taken out of git: the engine and the pipeline its benchmarks ran. */
const BASELINE_PATHS = ["src/exposition", "bench/pipeline.ts"];

/** How many times each side runs each payload (in turn with the other). */
export const SIDE_BY_SIDE_ROUNDS = 5;

/** The pipeline of both engines on one payload. */
export interface BaselineResult {
  readonly payload: string;
  /** The V8 flags both ran with: reverse_exporter's (`V8_FLAGS`), or none (""). */
  readonly v8Flags: string;
  /** The median of every batch mean of every round, in ms per scrape. */
  readonly currentMs: number;
  readonly baselineMs: number;
  /** How many batch means each median is of. */
  readonly batches: number;
}

const REPO = new URL("..", import.meta.url).pathname;

/**
 * Runs both engines on every engine payload, `SIDE_BY_SIDE_ROUNDS` times in turn; `workDir`: where
 * the baseline engine is written. Without the baseline in git: why, instead of results.
 */
export async function runBaseline(workDir: string): Promise<BaselineResult[] | string> {
  const dir = `${workDir}/baseline`;
  const taken = await takeBaseline(dir);
  if (taken !== undefined) return taken;
  const results: BaselineResult[] = [];
  for (const v8Flags of [V8_FLAGS, ""]) {
    for (const payload of ENGINE_PAYLOADS) {
      const [current, baseline] = await inTurn(
        { payload: payload.name, v8Flags },
        { payload: payload.name, v8Flags, baseline: dir },
      );
      results.push({
        payload: payload.name,
        v8Flags,
        currentMs: median(current),
        baselineMs: median(baseline),
        batches: current.length,
      });
    }
  }
  return results;
}

/** Protobuf and text decode+encode on one payload, per iteration. */
export interface FormatsResult {
  readonly payload: string;
  readonly series: number;
  /** The median of every batch mean of every round, in ms per decode+encode. */
  readonly textMs: number;
  readonly protobufMs: number;
  /** How many batch means each median is of. */
  readonly batches: number;
}

/** Runs protobuf and text decode+encode on every engine payload, in turn, with the V8 flags. */
export async function runFormats(): Promise<FormatsResult[]> {
  const results: FormatsResult[] = [];
  for (const payload of ENGINE_PAYLOADS) {
    const [text, protobuf] = await inTurn(
      { payload: payload.name, v8Flags: V8_FLAGS, format: "text" },
      { payload: payload.name, v8Flags: V8_FLAGS, format: "protobuf" },
    );
    results.push({
      payload: payload.name,
      series: seriesOf(payload.bytes()),
      textMs: median(text),
      protobufMs: median(protobuf),
      batches: text.length,
    });
  }
  return results;
}

/** The batch means of two timings, run `SIDE_BY_SIDE_ROUNDS` times in turn. */
async function inTurn(a: Timing, b: Timing): Promise<[number[], number[]]> {
  const means: [number[], number[]] = [[], []];
  for (let round = 0; round < SIDE_BY_SIDE_ROUNDS; round++) {
    // Each goes first in every other round.
    const order = round % 2 === 0 ? [0, 1] as const : [1, 0] as const;
    for (const side of order) means[side].push(...await timing(side === 0 ? a : b));
  }
  return means;
}

/** Writes the baseline's files into `dir`; a reason when git cannot give them. */
async function takeBaseline(dir: string): Promise<string | undefined> {
  const list = await git([
    "ls-tree",
    "-r",
    "--name-only",
    BASELINE_COMMIT,
    "--",
    ...BASELINE_PATHS,
  ]);
  if (!list.ok) return `not measured: git has no commit ${BASELINE_COMMIT} here (${list.text})`;
  for (const path of list.text.split("\n").filter((p) => p !== "")) {
    const file = await git(["show", `${BASELINE_COMMIT}:${path}`]);
    if (!file.ok) return `not measured: git show ${path} failed (${file.text})`;
    const target = `${dir}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(target, file.text);
  }
  return undefined;
}

async function git(args: string[]): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("git", { args, cwd: REPO, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr);
  return { ok: out.success, text: out.success ? text : text.trim() };
}

/** One run of bench/pipeline_timing.ts. */
interface Timing {
  readonly payload: string;
  /** The V8 flags ("" for none). */
  readonly v8Flags: string;
  /** The baseline engine's folder, to time its pipeline. */
  readonly baseline?: string;
  /** A format, to time decode+encode in it instead of the pipeline. */
  readonly format?: BenchFormat;
}

/** The batch means of one run of bench/pipeline_timing.ts. */
async function timing(how: Timing): Promise<number[]> {
  const { payload, v8Flags, baseline, format } = how;
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      ...(v8Flags === "" ? [] : [`--v8-flags=${v8Flags}`]),
      "--quiet",
      "--no-prompt",
      `--allow-read=tests/fixtures${baseline === undefined ? "" : `,${baseline}`}`,
      "bench/pipeline_timing.ts",
      ...(baseline === undefined ? [] : ["--baseline", baseline]),
      ...(format === undefined ? [] : ["--format", format]),
      payload,
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`pipeline_timing.ts failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as number[];
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

if (import.meta.main) {
  for (const f of await runFormats()) {
    const ratio = (f.protobufMs / f.textMs).toFixed(2);
    say(`${f.payload}: protobuf ${f.protobufMs} ms vs text ${f.textMs} ms (${ratio}x)`);
  }
  const results = await runBaseline(`${REPO}.tmp/bench`);
  if (typeof results === "string") say(results);
  else {
    for (const r of results) {
      const ratio = (r.currentMs / r.baselineMs).toFixed(2);
      const flags = r.v8Flags === "" ? "no V8 flags" : r.v8Flags;
      say(`${r.payload}, ${flags}: ${r.currentMs} ms vs ${r.baselineMs} ms (${ratio}x)`);
    }
  }
}
