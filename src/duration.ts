/** Prometheus durations (`1m30s`) and byte sizes (`64MiB`), as used in the configuration. */

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/**
 * Parses a Prometheus duration (`500ms`, `1s`, `1m30s`, `1h`, `0`) into milliseconds;
 * undefined when it is not one. Units go from largest to smallest, each at most once.
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  let rest = text;
  let total = 0;
  let nextUnit = 0;
  if (rest === "") return undefined;
  while (rest !== "") {
    let digits = 0;
    while (digits < rest.length && rest.charCodeAt(digits) >= 48 && rest.charCodeAt(digits) <= 57) {
      digits++;
    }
    if (digits === 0) return undefined;
    const amount = Number(rest.slice(0, digits));
    rest = rest.slice(digits);
    // "ms" must be tried before "m".
    const unitIndex = rest.startsWith("ms")
      ? DURATION_UNITS.length - 1
      : DURATION_UNITS.findIndex(([u]) => u !== "ms" && rest.startsWith(u));
    if (unitIndex < nextUnit) return undefined;
    const [unit, ms] = DURATION_UNITS[unitIndex]!;
    total += amount * ms;
    rest = rest.slice(unit.length);
    nextUnit = unitIndex + 1;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds as a Prometheus duration (`1m30s`, `250ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === Infinity) return "none";
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of DURATION_UNITS) {
    if (unit === "y" || unit === "w") continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += n + unit;
      rest -= n * size;
    }
  }
  return out;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
};

/**
 * Parses a byte size (`1048576`, `512KiB`, `64MiB`, `1GB`) into bytes; undefined when it
 * is not one. As in Prometheus, `KB`, `MB` and `GB` are powers of 1024.
 */
export function parseByteSize(text: string): number | undefined {
  let digits = 0;
  while (digits < text.length && text.charCodeAt(digits) >= 48 && text.charCodeAt(digits) <= 57) {
    digits++;
  }
  if (digits === 0) return undefined;
  const unit = SIZE_UNITS[text.slice(digits)];
  if (unit === undefined) return undefined;
  const bytes = Number(text.slice(0, digits)) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
