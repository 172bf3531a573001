/** `file` exporters through the running server: metrics files read on every scrape. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  type LogLine,
  scrape,
  type ServerProcess,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

const up = (name: string) => `reverse_exporter_backend_up{exporter_name="${name}"}`;

/** The configuration of one path `/metrics` with the given `file` exporters (name, path). */
function fileConfig(exporters: string): string {
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      file:
${exporters}`;
}

/** The "exporter scrape failed" logs of exporter `name`. */
function failures(server: ServerProcess, name: string): LogLine[] {
  return server.logs.filter((l) => l.msg === "exporter scrape failed" && l["exporter"] === name);
}

Deno.test("a file's samples are served with exporter_name, and a growing file is re-read", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/cron.prom`;
  await Deno.writeTextFile(
    file,
    "# HELP cron_last_run_seconds Last run.\n# TYPE cron_last_run_seconds gauge\n" +
      'cron_last_run_seconds{job="backup"} 1700000000\n',
  );
  await using server = await startServer(
    dir.path,
    fileConfig("        - {name: cron, path: cron.prom}\n"),
  );
  const first = await scrape(server);
  assertStringIncludes(first, "# TYPE cron_last_run_seconds gauge");
  assertEquals(valueOf(first, 'cron_last_run_seconds{job="backup",exporter_name="cron"}'), 17e8);
  assertEquals(valueOf(first, up("cron")), 1);
  assert(!first.includes('job="rotate"'), first);

  await Deno.writeTextFile(file, 'cron_last_run_seconds{job="rotate"} 1700000060\n', {
    append: true,
  });
  const second = await scrape(server);
  assertEquals(valueOf(second, 'cron_last_run_seconds{job="backup",exporter_name="cron"}'), 17e8);
  assertEquals(
    valueOf(second, 'cron_last_run_seconds{job="rotate",exporter_name="cron"}'),
    1700000060,
  );
  assertEquals(valueOf(second, up("cron")), 1);
  assertEquals(server.logs.filter((l) => l.msg === "exporter scrape failed"), []);
});

Deno.test("a deleted file is a failure of cause read; the other file is still served; recreated, it is up again", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await Deno.writeTextFile(`${dir.path}/b.prom`, "b_metric 2\n");
  await using server = await startServer(
    dir.path,
    fileConfig("        - {name: a, path: a.prom}\n        - {name: b, path: b.prom}\n"),
  );
  const before = await scrape(server);
  assertEquals(valueOf(before, 'a_metric{exporter_name="a"}'), 1);
  assertEquals(valueOf(before, 'b_metric{exporter_name="b"}'), 2);
  assertEquals(valueOf(before, up("a")), 1);

  await Deno.remove(`${dir.path}/a.prom`);
  const missing = await scrape(server);
  assertEquals(valueOf(missing, up("a")), 0);
  assertEquals(valueOf(missing, 'a_metric{exporter_name="a"}'), undefined);
  assertEquals(valueOf(missing, up("b")), 1);
  assertEquals(valueOf(missing, 'b_metric{exporter_name="b"}'), 2);
  const logged = failures(server, "a");
  assertEquals(logged.length, 1, JSON.stringify(logged));
  assertEquals(logged[0]!["path"], "/metrics");
  assertEquals(logged[0]!["cause"], "read");
  assertStringIncludes(String(logged[0]!["error"]), `${dir.path}/a.prom`);
  assertEquals(failures(server, "b"), []);

  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 3\n");
  const recreated = await scrape(server);
  assertEquals(valueOf(recreated, up("a")), 1);
  assertEquals(valueOf(recreated, 'a_metric{exporter_name="a"}'), 3);
  assertEquals(valueOf(recreated, 'b_metric{exporter_name="b"}'), 2);
});

Deno.test("an oversize file is body_too_large; an undecodable file is decode, naming line and column", async () => {
  await using dir = await tempDir();
  let big = "";
  for (let i = 0; big.length <= 2048; i++) big += `big_metric{i="${i}"} ${i}\n`;
  await Deno.writeTextFile(`${dir.path}/big.prom`, big);
  await Deno.writeTextFile(
    `${dir.path}/bad.prom`,
    'ok_metric 1\nother_metric 2\nbad_metric{label="x" 3\n',
  );
  await Deno.writeTextFile(`${dir.path}/small.prom`, "small_metric 1\n");
  await using server = await startServer(
    dir.path,
    fileConfig(
      "        - {name: big, path: big.prom, body_size_limit: 1KiB}\n" +
        "        - {name: small, path: small.prom, body_size_limit: 1KiB}\n" +
        "        - {name: bad, path: bad.prom}\n",
    ),
  );
  const text = await scrape(server);
  assertEquals(valueOf(text, up("big")), 0);
  assertEquals(valueOf(text, up("bad")), 0);
  assertEquals(valueOf(text, up("small")), 1);
  assertEquals(valueOf(text, 'small_metric{exporter_name="small"}'), 1);
  assert(!text.includes("big_metric"), "no sample of the oversize file is served");
  assert(!text.includes("ok_metric"), "no sample of the undecodable file is served");

  const oversize = failures(server, "big");
  assertEquals(oversize.length, 1, JSON.stringify(oversize));
  assertEquals(oversize[0]!["cause"], "body_too_large");
  assertStringIncludes(String(oversize[0]!["error"]), "1024");
  const bad = failures(server, "bad");
  assertEquals(bad.length, 1, JSON.stringify(bad));
  assertEquals(bad[0]!["cause"], "decode");
  assertMatch(String(bad[0]!["error"]), /line 3, column \d+/);
});

Deno.test("an OpenMetrics file is decoded by its content", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/om.prom`,
    [
      "# HELP build_duration_seconds Time spent building.",
      "# TYPE build_duration_seconds counter",
      "# UNIT build_duration_seconds seconds",
      'build_duration_seconds_total{job="a"} 17.5 # {trace_id="abc"} 0.5',
      'build_duration_seconds_created{job="a"} 1700000000.0',
      "# TYPE room_temperature_celsius gauge",
      "# UNIT room_temperature_celsius celsius",
      "room_temperature_celsius 21.5",
      "# EOF",
      "",
    ].join("\n"),
  );
  await using server = await startServer(
    dir.path,
    fileConfig("        - {name: om, path: om.prom}\n"),
  );
  const text = await scrape(server);
  assertEquals(valueOf(text, up("om")), 1, text);
  assertStringIncludes(text, "# HELP build_duration_seconds_total Time spent building.\n");
  assertStringIncludes(text, "# TYPE build_duration_seconds_total counter\n");
  assertStringIncludes(text, 'build_duration_seconds_total{job="a",exporter_name="om"} 17.5\n');
  assertStringIncludes(text, "# TYPE room_temperature_celsius gauge\n");
  assertStringIncludes(text, 'room_temperature_celsius{exporter_name="om"} 21.5\n');
  // OpenMetrics-only constructs are dropped: created samples, units, exemplars, EOF.
  for (const absent of ["_created", "# UNIT", "trace_id", "# EOF"]) {
    assert(!text.includes(absent), `${absent} in:\n${text}`);
  }
});

Deno.test("a file replaced by rename under concurrent scrapes is always served whole", async () => {
  const SAMPLES = 500;
  const MAX_VERSIONS = 1000;
  const LANES = 10;
  const SCRAPES_PER_LANE = 5;
  await using dir = await tempDir();
  const served = `${dir.path}/atomic.prom`;
  const temporary = `${dir.path}/atomic.prom.tmp`;
  const version = (n: number) => {
    let text = "# TYPE atomic_sample gauge\n";
    for (let i = 0; i < SAMPLES; i++) text += `atomic_sample{i="${i}"} ${n}\n`;
    return text;
  };
  await Deno.writeTextFile(served, version(0));
  await using server = await startServer(
    dir.path,
    fileConfig("        - {name: atomic, path: atomic.prom}\n"),
  );

  let scrapesDone = false;
  let written = 0;
  const writer = (async () => {
    // Bounded: stops when the scrapes are done, or after MAX_VERSIONS versions.
    for (let n = 1; n <= MAX_VERSIONS && !scrapesDone; n++) {
      await Deno.writeTextFile(temporary, version(n));
      await Deno.rename(temporary, served);
      written = n;
    }
  })();
  const seen: number[] = [];
  const problems: string[] = [];
  const lane = async () => {
    for (let s = 0; s < SCRAPES_PER_LANE; s++) {
      const text = await scrape(server);
      if (valueOf(text, up("atomic")) !== 1) {
        problems.push(`exporter down: ${text.slice(0, 2000)}`);
        continue;
      }
      const values = new Map<string, string>();
      for (const line of text.split("\n")) {
        const match = /^atomic_sample\{i="(\d+)",exporter_name="atomic"\} (\S+)$/.exec(line);
        if (match) values.set(match[1]!, match[2]!);
      }
      const versions = new Set(values.values());
      if (values.size !== SAMPLES || versions.size !== 1) {
        problems.push(`${values.size} samples of versions ${[...versions].join(", ")}`);
        continue;
      }
      seen.push(Number([...versions][0]));
    }
  };
  try {
    await Promise.all(Array.from({ length: LANES }, lane));
  } finally {
    scrapesDone = true;
    await writer;
  }
  assertEquals(problems, []);
  assertEquals(seen.length, LANES * SCRAPES_PER_LANE);
  assert(written > 0, "the writer wrote no version");
  // The scrapes overlapped the writer: they saw more than one version.
  assert(new Set(seen).size > 1, `every scrape saw version ${seen[0]}`);
  assertEquals(server.logs.filter((l) => l.msg === "exporter scrape failed"), []);
});

Deno.test("/-/metrics has the file's modification time", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/m.prom`;
  await Deno.writeTextFile(file, "m_metric 1\n");
  // An mtime well in the past, so that it cannot be mistaken for the time of the scrape.
  const mtime = new Date(Date.now() - 3_600_000);
  await Deno.utime(file, mtime, mtime);
  await using server = await startServer(
    dir.path,
    fileConfig("        - {name: m, path: m.prom}\n"),
  );
  assertEquals(valueOf(await scrape(server), up("m")), 1);
  const own = await scrape(server, "/-/metrics");
  const series =
    `reverse_exporter_file_mtime_seconds{path="/metrics",exporter_name="m",file="${file}"}`;
  const value = valueOf(own, series);
  assert(value !== undefined, `no ${series} in:\n${own}`);
  const expected = (await Deno.stat(file)).mtime!.getTime() / 1000;
  assert(Math.abs(value - expected) <= 1, `${value} is not the mtime ${expected}`);

  // A rewritten file's new mtime shows after the next scrape.
  await Deno.writeTextFile(file, "m_metric 2\n");
  const rewritten = (await Deno.stat(file)).mtime!.getTime() / 1000;
  await eventually("the new mtime is served", async () => {
    await scrape(server);
    const now = valueOf(await scrape(server, "/-/metrics"), series);
    return now !== undefined && Math.abs(now - rewritten) <= 1;
  });
});

Deno.test("a FIFO at a file exporter's path fails that exporter at once instead of blocking", async () => {
  await using dir = await tempDir();
  const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir.path}/pipe.prom`] }).output();
  assertEquals(mkfifo.code, 0);
  await Deno.writeTextFile(`${dir.path}/ok.prom`, "ok_metric 1\n");
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {file: [{name: pipe, path: pipe.prom}, {name: ok, path: ok.prom}]}
`,
  );
  const body = await scrape(server);
  assertStringIncludes(body, 'reverse_exporter_backend_up{exporter_name="pipe"} 0');
  assertStringIncludes(body, 'ok_metric{exporter_name="ok"} 1');
  const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
  assertStringIncludes(String(failure?.["error"]), "is not a regular file");
});
