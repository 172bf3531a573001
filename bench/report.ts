/** Formatting of the benchmark results: numbers, Markdown tables, progress on stdout. */

const encoder = new TextEncoder();

/**
 * `markdown` as `deno fmt` writes it (with the repository's settings), so that the file it
 * goes to passes `deno fmt --check`.
 */
export async function formatMarkdown(markdown: string): Promise<string> {
  const child = new Deno.Command("deno", {
    args: ["fmt", "--ext", "md", "-"],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(markdown));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** Prints a line of progress on stdout. */
export function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** A Markdown table with a header row; cells are written as given. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** `n` with thousands separators and at most `digits` decimals (fewer for large numbers). */
export function num(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return "n/a";
  const decimals = Math.abs(n) >= 1000 ? 0 : Math.abs(n) >= 100 ? Math.min(digits, 1) : digits;
  return n.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** A duration given in ms, in us, ms or s as fits. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${num(ms * 1000, 0)} us`;
  if (ms < 1000) return `${num(ms, ms < 10 ? 2 : 1)} ms`;
  return `${num(ms / 1000, 2)} s`;
}

/** A byte count in KB or MB (decimal, as throughputs are). */
export function bytes(n: number): string {
  return n >= 1e6 ? `${num(n / 1e6, 2)} MB` : `${num(n / 1e3, 1)} KB`;
}

/** A ratio `a / b` as `1.23x`. */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${num(a / b, 2)}x` : "n/a";
}

/** The verdict of a target: met, missed, or not measured. */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? "not measured" : met ? "**met**" : "**missed**";
}
