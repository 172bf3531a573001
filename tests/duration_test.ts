import { assertEquals } from "./_assert.ts";
import { formatDuration, parseByteSize, parseDuration } from "../src/duration.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

Deno.test("parseDuration: single units", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["500ms", 500],
    ["1ms", 1],
    ["1s", SECOND],
    ["15s", 15 * SECOND],
    ["1m", MINUTE],
    ["1h", HOUR],
    ["2d", 2 * DAY],
    ["1w", 7 * DAY],
    ["1y", 365 * DAY],
    ["0s", 0],
    ["90s", 90 * SECOND],
  ];
  for (const [text, ms] of cases) {
    assertEquals(parseDuration(text), ms, JSON.stringify(text));
  }
});

Deno.test("parseDuration: compound durations from largest to smallest unit", () => {
  const cases: [string, number][] = [
    ["1m30s", MINUTE + 30 * SECOND],
    ["1h30m", HOUR + 30 * MINUTE],
    ["1s500ms", 1500],
    ["1d12h", DAY + 12 * HOUR],
    ["2h5s", 2 * HOUR + 5 * SECOND],
    ["1y1w1d1h1m1s1ms", 365 * DAY + 7 * DAY + DAY + HOUR + MINUTE + SECOND + 1],
  ];
  for (const [text, ms] of cases) {
    assertEquals(parseDuration(text), ms, JSON.stringify(text));
  }
});

Deno.test("parseDuration: rejects what is not a duration", () => {
  const invalid = [
    "",
    "1",
    "1.5s",
    "s",
    "ms",
    "1s1m",
    "1ms1s",
    "1m1m",
    "1s1s",
    "-1s",
    "+1s",
    " 1s",
    "1s ",
    "1 s",
    "1S",
    "1x",
    "1sec",
    "1m30",
    "10000000000000000000y",
  ];
  for (const text of invalid) {
    assertEquals(parseDuration(text), undefined, JSON.stringify(text));
  }
});

Deno.test("formatDuration: units from days to milliseconds", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1, "1ms"],
    [250, "250ms"],
    [SECOND, "1s"],
    [1500, "1s500ms"],
    [MINUTE + 30 * SECOND, "1m30s"],
    [HOUR, "1h"],
    [HOUR + 1, "1h1ms"],
    [2 * DAY, "2d"],
    [DAY + HOUR + MINUTE + SECOND + 1, "1d1h1m1s1ms"],
    [7 * DAY, "7d"],
    [365 * DAY, "365d"],
    [Infinity, "none"],
  ];
  for (const [ms, text] of cases) {
    assertEquals(formatDuration(ms), text, String(ms));
  }
});

Deno.test("formatDuration: its output parses back to the same milliseconds", () => {
  for (const ms of [0, 1, 999, 1000, 61_001, 90 * MINUTE, 3 * DAY + 7, 400 * DAY + 5 * HOUR]) {
    assertEquals(parseDuration(formatDuration(ms)), ms, String(ms));
  }
});

Deno.test("parseByteSize: plain bytes and binary units", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["1048576", 1048576],
    ["1B", 1],
    ["512KiB", 512 * 1024],
    ["2KB", 2 * 1024],
    ["64MiB", 64 * 1024 * 1024],
    ["64MB", 64 * 1024 * 1024],
    ["1GB", 1024 ** 3],
    ["3GiB", 3 * 1024 ** 3],
  ];
  for (const [text, bytes] of cases) {
    assertEquals(parseByteSize(text), bytes, JSON.stringify(text));
  }
});

Deno.test("parseByteSize: rejects what is not a byte size", () => {
  const invalid = [
    "",
    "MiB",
    "1.5MiB",
    "10XB",
    "-1",
    "-1MiB",
    "1 MiB",
    "1mib",
    "1kb",
    "1MiB ",
    "1e3",
    "99999999999999999999",
  ];
  for (const text of invalid) {
    assertEquals(parseByteSize(text), undefined, JSON.stringify(text));
  }
});
