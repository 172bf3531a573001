/** `exec_cached` exporters through the running server: commands run on a schedule, cached. */
import { assert, assertEquals, assertGreater, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  liveProcesses,
  type LogLine,
  scrape,
  scriptPermissions,
  type ServerProcess,
  startServer,
  tempDir,
  valueOf,
  writeScript,
} from "./_server.ts";

const up = (name: string) => `reverse_exporter_backend_up{exporter_name="${name}"}`;

/** The configuration of one path `/metrics` with one `exec_cached` exporter. */
function execCachedConfig(exporter: string): string {
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - ${exporter}
`;
}

/** Shell lines that count the script's runs in `dir`/count and print the count as `metric`. */
function countingLines(dir: string, metric: string): string {
  return `n=$(cat "${dir}/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "${dir}/count.tmp"
mv "${dir}/count.tmp" "${dir}/count"
echo "${metric} $n"`;
}

/** The number of runs the counting script recorded in `dir`, 0 before the first. */
async function runsCounted(dir: string): Promise<number> {
  try {
    return Number((await Deno.readTextFile(`${dir}/count`)).trim());
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/** The log lines with message `msg` about exporter `name`, from index `from` on. */
function logged(server: ServerProcess, msg: string, name: string, from = 0): LogLine[] {
  return server.logs.slice(from).filter((l) => l.msg === msg && l["exporter"] === name);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("scrapes inside one interval get the same value; the next interval brings a new one", async () => {
  await using dir = await tempDir();
  const script = await writeScript(dir.path, "count.sh", countingLines(dir.path, "cached_runs"));
  await using server = await startServer(
    dir.path,
    execCachedConfig(`{name: counter, command: ${script}, exec_interval: 1s}`),
    { permissions: scriptPermissions(dir.path) },
  );
  const series = 'cached_runs{exporter_name="counter"}';
  // Catch the moment the second run's value appears: the next run is an interval away.
  let value = 0;
  await eventually("the second run's value is served", async () => {
    value = valueOf(await scrape(server), series) ?? 0;
    return value >= 2;
  });
  const first = await scrape(server);
  const second = await scrape(server);
  assertEquals(valueOf(first, series), value);
  assertEquals(valueOf(second, series), value);
  assertEquals(valueOf(second, up("counter")), 1);
  // Scrapes do not run the command: only the schedule does.
  assertEquals(await runsCounted(dir.path), value);

  await eventually("a new value after the interval", async () => {
    const next = valueOf(await scrape(server), series);
    return next !== undefined && next > value;
  });
  assertEquals(logged(server, "exporter command run failed", "counter"), []);
  assertEquals(logged(server, "exporter scrape failed", "counter"), []);
});

Deno.test("the first run happens at start, before any scrape", async () => {
  await using dir = await tempDir();
  const script = await writeScript(dir.path, "count.sh", countingLines(dir.path, "cached_runs"));
  await using server = await startServer(
    dir.path,
    execCachedConfig(`{name: counter, command: ${script}, exec_interval: 1h}`),
    { permissions: scriptPermissions(dir.path) },
  );
  await eventually("one run without a scrape", async () => await runsCounted(dir.path) === 1);
  const text = await scrape(server);
  assertEquals(valueOf(text, 'cached_runs{exporter_name="counter"}'), 1);
  assertEquals(valueOf(text, up("counter")), 1);
  assertEquals(await runsCounted(dir.path), 1);
});

Deno.test("before the first result exists, a scrape waits for it", async () => {
  await using dir = await tempDir();
  const finished = `${dir.path}/finished`;
  const script = await writeScript(
    dir.path,
    "slow.sh",
    `sleep 2\necho "slow_metric 42"\ntouch "${finished}"`,
  );
  await using server = await startServer(
    dir.path,
    execCachedConfig(`{name: slow, command: ${script}, exec_interval: 1m}`),
    { permissions: scriptPermissions(dir.path) },
  );
  assert(!await exists(finished), "the first run ended before the scrape: the test is too slow");
  const text = await scrape(server);
  assertEquals(valueOf(text, 'slow_metric{exporter_name="slow"}'), 42);
  assertEquals(valueOf(text, up("slow")), 1);
  assertEquals(logged(server, "exporter scrape failed", "slow"), []);
});

Deno.test("a failing command keeps the previous value until it is older than max_age, and is logged once", async () => {
  await using dir = await tempDir();
  const fail = `${dir.path}/fail`;
  const script = await writeScript(
    dir.path,
    "flaky.sh",
    `if [ -e "${fail}" ]; then echo "told to fail" >&2; exit 1; fi\n` +
      countingLines(dir.path, "flaky_value"),
  );
  await using server = await startServer(
    dir.path,
    execCachedConfig(
      `{name: flaky, command: ${script}, exec_interval: 300ms, max_age: 2s}`,
    ),
    { permissions: scriptPermissions(dir.path), args: ["--log-level", "debug"] },
  );
  const series = 'flaky_value{exporter_name="flaky"}';
  await eventually("a first value", async () => {
    const text = await scrape(server);
    return valueOf(text, series) !== undefined && valueOf(text, up("flaky")) === 1;
  });

  const logsBefore = server.logs.length;
  await Deno.writeTextFile(fail, "");
  const failingSince = Date.now();
  await eventually(
    "a failed run is logged",
    () => logged(server, "exporter command run failed", "flaky", logsBefore).length > 0,
  );
  const runFailure = logged(server, "exporter command run failed", "flaky", logsBefore)[0]!;
  assertEquals(runFailure["cause"], "exit_code");
  assertEquals(runFailure["path"], "/metrics");
  assertEquals(runFailure["serving"], "the previous result");
  // Runs never overlap, so the last good run's value is the one counted.
  const previous = await runsCounted(dir.path);
  const text = await scrape(server);
  assertEquals(valueOf(text, series), previous);
  assertEquals(valueOf(text, up("flaky")), 1);

  // Until max_age passes, the previous value is served unchanged; then the exporter is down.
  const wrong: string[] = [];
  await eventually("the exporter goes down as stale", async () => {
    const text = await scrape(server);
    const isUp = valueOf(text, up("flaky"));
    const value = valueOf(text, series);
    if (isUp === 1 && value !== previous) wrong.push(`up with value ${value}`);
    if (isUp === 0 && value !== undefined) wrong.push(`down with value ${value}`);
    return isUp === 0;
  });
  const staleAfterMs = Date.now() - failingSince;
  assertEquals(wrong, []);
  // The last good run started before `fail` was created, at most an interval or so before.
  assert(staleAfterMs >= 1000, `stale ${staleAfterMs} ms after the failures began`);
  const stale = logged(server, "exporter scrape failed", "flaky");
  assertGreater(stale.length, 0);
  assertEquals(stale.at(-1)!["cause"], "stale");
  assertStringIncludes(String(stale.at(-1)!["error"]), "max_age");
  assertEquals(await runsCounted(dir.path), previous, "a failing run counted itself");

  // A run failing after max_age passed says so, not that the previous result is served.
  const staleFrom = server.logs.length;
  await eventually(
    "a failed run after max_age",
    () => logged(server, "exporter command run failed", "flaky", staleFrom).length > 0,
  );
  assertEquals(
    logged(server, "exporter command run failed", "flaky", staleFrom)[0]!["serving"],
    "nothing: the last good result is older than max_age",
  );

  await Deno.remove(fail);
  await eventually("up again with a new value", async () => {
    const text = await scrape(server);
    const value = valueOf(text, series);
    return valueOf(text, up("flaky")) === 1 && value !== undefined && value > previous;
  });
  // Each run of failures: the first at warning, the others at debug, the recovery at info.
  const levels = (msg: string) => logged(server, msg, "flaky", logsBefore).map((l) => l.level);
  const runFailures = levels("exporter command run failed");
  assertGreater(runFailures.length, 3);
  assertEquals(runFailures, ["warning", ...runFailures.slice(1).map(() => "debug")]);
  assertEquals(levels("exporter command recovered"), ["info"]);
  const scrapeFailures = levels("exporter scrape failed");
  assertGreater(scrapeFailures.length, 1);
  assertEquals(scrapeFailures, ["warning", ...scrapeFailures.slice(1).map(() => "debug")]);
  assertEquals(levels("exporter recovered"), ["info"]);
  // --log-level debug: each scrape of the path is logged.
  const scraped = server.logs.filter((l) => l.msg === "path scraped");
  assertGreater(scraped.length, scrapeFailures.length);
  for (const line of scraped) {
    assertEquals([line.level, line["path"], line["exporters"]], ["debug", "/metrics", 1]);
    assertGreater(Number(line["samples"]), 1);
    assertGreater(Number(line["bytes"]), 100);
    assert(typeof line["duration_seconds"] === "number", JSON.stringify(line));
  }
});

Deno.test("runs never overlap when a run outlasts the interval", async () => {
  await using dir = await tempDir();
  const log = `${dir.path}/runs.log`;
  const script = await writeScript(
    dir.path,
    "overlap.sh",
    `echo start >> "${log}"\nsleep 0.7\necho end >> "${log}"\necho "overlap_metric 1"`,
  );
  const server = await startServer(
    dir.path,
    execCachedConfig(
      `{name: overlap, command: ${script}, exec_interval: 200ms, timeout: 5s}`,
    ),
    { permissions: scriptPermissions(dir.path) },
  );
  const lines = async () => {
    try {
      return (await Deno.readTextFile(log)).split("\n").filter((l) => l !== "");
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  };
  try {
    await eventually(
      "four runs ended",
      async () => (await lines()).filter((l) => l === "end").length >= 4,
      20_000,
    );
  } finally {
    assertEquals(await server.stop(), 0);
  }
  // A run stopped with the server has no "end"; wait until nothing can write any more.
  await eventually("the script is gone", async () => (await liveProcesses(script)).length === 0);
  const written = await lines();
  written.forEach((line, i) => {
    assertEquals(line, i % 2 === 0 ? "start" : "end", `line ${i + 1} of ${written.join(" ")}`);
  });
  assertEquals(logged(server, "exporter command run failed", "overlap"), []);
});

Deno.test("a hung run is stopped after timeout, which defaults to exec_interval", async () => {
  await using dir = await tempDir();
  const marker = "sleep 86423";
  const hung = `${dir.path}/hung`;
  // Hangs on its first run only, so that the next runs leave nothing behind.
  const script = await writeScript(
    dir.path,
    "hang.sh",
    `if [ ! -e "${hung}" ]; then touch "${hung}"; ${marker}; fi\necho "recovered_metric 1"`,
  );
  await using server = await startServer(
    dir.path,
    execCachedConfig(`{name: hang, command: ${script}, exec_interval: 1s}`),
    { permissions: scriptPermissions(dir.path) },
  );
  await eventually(
    "the run's timeout is logged",
    () => logged(server, "exporter command run failed", "hang").length > 0,
  );
  const failure = logged(server, "exporter command run failed", "hang")[0]!;
  assertEquals(failure["cause"], "timeout");
  assertEquals(failure["serving"], "nothing");
  assert(await exists(hung), "the first run did not hang");
  await eventually("the hung process is gone", async () => {
    return (await liveProcesses(marker)).length === 0;
  });
  await eventually("the next run serves a value", async () => {
    const text = await scrape(server);
    return valueOf(text, 'recovered_metric{exporter_name="hang"}') === 1 &&
      valueOf(text, up("hang")) === 1;
  });
});

Deno.test("/-/metrics counts runs, failed runs by cause, and the last success", async () => {
  await using dir = await tempDir();
  const ran = `${dir.path}/ran`;
  const script = await writeScript(
    dir.path,
    "once_failing.sh",
    `if [ ! -e "${ran}" ]; then touch "${ran}"; echo "first run fails" >&2; exit 1; fi\n` +
      `echo "ok_metric 1"`,
  );
  const before = Date.now() / 1000;
  await using server = await startServer(
    dir.path,
    execCachedConfig(`{name: counted, command: ${script}, exec_interval: 300ms}`),
    { permissions: scriptPermissions(dir.path) },
  );
  const labels = 'path="/metrics",exporter_name="counted"';
  const lastSuccess = `reverse_exporter_exec_last_success_timestamp_seconds{${labels}}`;
  let own = "";
  await eventually("a successful run after the failed one", async () => {
    own = await scrape(server, "/-/metrics");
    return valueOf(own, lastSuccess) !== undefined;
  });
  assertEquals(
    valueOf(own, `reverse_exporter_exec_run_failures_total{${labels},cause="exit_code"}`),
    1,
    own,
  );
  const runs = valueOf(own, `reverse_exporter_exec_runs_total{${labels}}`);
  assert(runs !== undefined && runs >= 2, `runs: ${runs}`);
  const success = valueOf(own, lastSuccess)!;
  assert(
    success >= before - 1 && success <= Date.now() / 1000 + 1,
    `last success ${success} is not between ${before} and now`,
  );
  const failures = logged(server, "exporter command run failed", "counted");
  assertEquals(failures.length, 1, JSON.stringify(failures));
  assertEquals(failures[0]!["cause"], "exit_code");
});

Deno.test("on SIGTERM the server exits 0 and stops a running command", async () => {
  await using dir = await tempDir();
  const marker = "sleep 86424";
  const script = await writeScript(dir.path, "forever.sh", `${marker}\necho "never 1"`);
  const server = await startServer(
    dir.path,
    execCachedConfig(`{name: forever, command: ${script}, exec_interval: 1m}`),
    { permissions: scriptPermissions(dir.path) },
  );
  try {
    await eventually("the command runs", async () => (await liveProcesses(marker)).length > 0);
  } finally {
    assertEquals(await server.stop("SIGTERM"), 0);
  }
  assert(server.logs.some((l) => l.msg === "stopped"), JSON.stringify(server.logs));
  await eventually("the command is gone", async () => (await liveProcesses(marker)).length === 0);
});

Deno.test("each scrape's copy of a cached output is held of web.max_bytes_in_flight", async () => {
  await using dir = await tempDir();
  // 400 kB each, the runs 0.4 s apart so that they never hold the budget at once (a run's
  // output is read into a buffer that doubles: 512 KiB for each).
  const names = ["first", "second", "third"];
  const exporters: string[] = [];
  for (const [i, name] of names.entries()) {
    const script = await writeScript(
      dir.path,
      `${name}.sh`,
      `sleep 0.${
        i * 4
      }\necho "${name} 1"; printf '# '; head -c 400000 /dev/zero | tr '\\0' x; echo`,
    );
    exporters.push(`{name: ${name}, command: ${script}, exec_interval: 1h}`);
  }
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], max_bytes_in_flight: 1MiB}
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached: [${exporters.join(", ")}]
`,
    { permissions: scriptPermissions(dir.path) },
  );
  const lastSuccess = (name: string) =>
    `reverse_exporter_exec_last_success_timestamp_seconds{path="/metrics",exporter_name="${name}"}`;
  await eventually("every command has run", async () => {
    const own = await (await fetch(server.url("/-/metrics"))).text();
    return names.every((name) => (valueOf(own, lastSuccess(name)) ?? 0) > 0);
  });
  // Three copies of 400 kB do not fit in 1 MiB: two exporters are served, one fails.
  const text = await scrape(server);
  const ups = names.map((name) => valueOf(text, up(name)));
  assertEquals(ups.toSorted(), [0, 1, 1], text.slice(0, 2000));
  const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
  assertEquals(failure?.["cause"], "memory_limit", JSON.stringify(failure));
  // Given back once the scrape has answered.
  await eventually("the bytes held are given back", async () => {
    const own = await (await fetch(server.url("/-/metrics"))).text();
    return valueOf(own, "reverse_exporter_bytes_in_flight") === 0;
  });
});
