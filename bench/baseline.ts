/**
 * The text 0.0.4 pipeline side by side with the engine before issue 13, whose committed
 * figures issue 13 bounds it by (1.1x): that engine is taken out of git at
 * `BASELINE_COMMIT`, and each engine times the same payload in processes of its own
 * (bench/pipeline_timing.ts), the two in turn, so that a disturbance of the machine falls on
 * both alike.
 * @module
 */
import { V8_FLAGS } from "../src/v8_flags.ts";
import { percentile } from "./load.ts";
import { ENGINE_PAYLOADS } from "./payloads.ts";
import { say } from "./report.ts";

/** The last commit before the engine was rewritten for issue 13. */
export const BASELINE_COMMIT = "945ce4939e2801c1d855a1c5c0a1f9e48e56074b";

/** What is taken out of git: the engine and the pipeline its benchmarks ran. */
const BASELINE_PATHS = ["src/exposition", "bench/pipeline.ts"];

/** How many times each engine runs each payload (in turn with the other). */
export const BASELINE_ROUNDS = 5;

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
 * Runs both engines on every engine payload, `BASELINE_ROUNDS` times in turn; `workDir`: where
 * the baseline engine is written. Without the baseline in git: why, instead of results.
 */
export async function runBaseline(workDir: string): Promise<BaselineResult[] | string> {
  const dir = `${workDir}/baseline`;
  const taken = await takeBaseline(dir);
  if (taken !== undefined) return taken;
  const results: BaselineResult[] = [];
  for (const v8Flags of [V8_FLAGS, ""]) {
    for (const payload of ENGINE_PAYLOADS) {
      const current: number[] = [];
      const baseline: number[] = [];
      for (let round = 0; round < BASELINE_ROUNDS; round++) {
        // Each goes first in every other round.
        const runs = [
          async () => current.push(...await timing(payload.name, { v8Flags })),
          async () => baseline.push(...await timing(payload.name, { v8Flags, baseline: dir })),
        ];
        if (round % 2 === 1) runs.reverse();
        for (const run of runs) await run();
      }
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

/** The batch means of bench/pipeline_timing.ts on `payload`: the baseline's in `baseline`. */
async function timing(
  payload: string,
  how: { v8Flags: string; baseline?: string },
): Promise<number[]> {
  const { v8Flags, baseline } = how;
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      ...(v8Flags === "" ? [] : [`--v8-flags=${v8Flags}`]),
      "--quiet",
      "--no-prompt",
      `--allow-read=tests/fixtures${baseline === undefined ? "" : `,${baseline}`}`,
      "bench/pipeline_timing.ts",
      ...(baseline === undefined ? [] : ["--baseline", baseline]),
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
