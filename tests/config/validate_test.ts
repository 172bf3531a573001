/**
 * Unit tests of the configuration validation (SPEC section 4): every rejection names the
 * file and the exact key path, defaults are applied, relative paths are resolved.
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { parseYaml } from "../../src/std/yaml.ts";
import { ConfigError, validateConfig } from "../../src/config/validate.ts";
import type { Config, ExporterConfig, ListenAddress } from "../../src/config/types.ts";
import { KINDS } from "../../src/exporters/mod.ts";
import type { HttpSettings } from "../../src/exporters/http.ts";
import type { FileSettings } from "../../src/exporters/file.ts";
import type { ExecSettings } from "../../src/exporters/exec.ts";
import type { ExecCachedSettings } from "../../src/exporters/exec_cached.ts";

const FILE = "/etc/re/config.yml";
const SOURCE = { file: FILE, baseDir: "/etc/re", kinds: KINDS } as const;

/** Parses and validates `text` as if it were read from /etc/re/config.yml. */
function validate(text: string): Config {
  return validateConfig(parseYaml(text), SOURCE);
}

/** The problems of a configuration that must be rejected. */
function problemsOf(text: string): readonly string[] {
  return assertThrows(() => validate(text), ConfigError).problems;
}

/**
 * Asserts that `text` is rejected with a problem at `keyPath` (after the file name) whose
 * message includes `fragment`; returns every problem.
 */
function assertProblem(text: string, keyPath: string, fragment: string): readonly string[] {
  const problems = problemsOf(text);
  const prefix = `${FILE}: ${keyPath}: `;
  const line = problems.find((p) => p.startsWith(prefix) && p.includes(fragment));
  assert(
    line !== undefined,
    `no problem "${prefix}...${fragment}..." among:\n${problems.join("\n")}`,
  );
  return problems;
}

/** As {@linkcode assertProblem}, and it is the only problem reported. */
function assertOnlyProblem(text: string, keyPath: string, fragment: string): void {
  const problems = assertProblem(text, keyPath, fragment);
  assertEquals(problems.length, 1, `expected a single problem, got:\n${problems.join("\n")}`);
}

/** The settings of each kind of exporter. */
interface SettingsOf {
  http: HttpSettings;
  file: FileSettings;
  exec: ExecSettings;
  exec_cached: ExecCachedSettings;
}

/** The `index`-th exporter of `kind` in the `pathIndex`-th path. */
function exporterOf<K extends keyof SettingsOf>(
  config: Config,
  kind: K,
  pathIndex = 0,
  index = 0,
): ExporterConfig<SettingsOf[K]> {
  const path = config.reverseExporters[pathIndex];
  assert(path !== undefined, `no path #${pathIndex}`);
  const exporter = path.exporters.filter((e) => e.kind === kind)[index];
  assert(exporter !== undefined, `no ${kind} exporter #${index} in ${path.path}`);
  return exporter as ExporterConfig<SettingsOf[K]>;
}

/** A path with one http exporter, its entry indented under `reverse_exporters`. */
function httpPath(exporterLines: string, extraPathLines = ""): string {
  return `
reverse_exporters:
  - path: /metrics
${extraPathLines}    exporters:
      http:
        - name: node
          address: http://127.0.0.1:9100/metrics
${exporterLines}`;
}

const BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

// ---------------------------------------------------------------- valid configurations

const GO_TEST_CONFIG = `
web:
  read_header_timeout: 1s
  listen:
    - unix:///var/run/server.socket
    - tcp://1.2.3.4:9115
    - tcps://99.89.89.89:9115?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem
    - unixs:///var/run/server.socket?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem
    - tcps://0.0.0.0:9115?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem&tlsclientca=/path/to/cert
reverse_exporters:
- path: /metrics
  auth:
    basic_auth:
      - username: root
        password: test
  exporters:
    http:
      - name: prometheus
        address: http://127.0.0.1:9090/metrics
        timeout: 5s
      - address: http://127.0.0.1:9100/metrics
        name: node_exporter
        labels:
          node_uuid: some.special.identifier
- path: /blackbox
  exporters:
    http:
    - name: blackbox_exporter
      address: http://127.0.0.1:9115/probe
      no_rewrite: true
- path: /file-endpoint
  exporters:
    file:
    - name: cron_metrics
      path: example.metrics.prom
- path: /dynamic_endpoint
  exporters:
    exec:
    - name: dynamic_metrics
      command: ./scripted_metrics.sh
      args: ["arg1", "arg2"]
    exec_cached:
    - name: periodic_dynamic_metrics
      command: ./scripted_metrics.sh
      args: []
      exec_interval: 30s
`;

/** The listeners of the Go program's test configuration that clash with earlier ones. */
const GO_TEST_CLASHING_LISTENERS = [
  "    - unixs:///var/run/server.socket?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem\n",
  "    - tcps://0.0.0.0:9115?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem&tlsclientca=/path/to/cert\n",
];

Deno.test("the Go program's test configuration is refused only for listeners Go could not start either", () => {
  // The same socket twice, and 0.0.0.0:9115 beside two addresses on port 9115: the second
  // bind fails with EADDRINUSE, in Go as here. Each is reported with the first it clashes with.
  const problems = problemsOf(GO_TEST_CONFIG);
  assertEquals(problems.length, 2, problems.join("\n"));
  assertStringIncludes(problems[0]!, 'web.listen[3]: "unixs:///var/run/server.socket?');
  assertStringIncludes(
    problems[0]!,
    'is the same socket as web.listen[0] "unix:///var/run/server.socket"',
  );
  assertStringIncludes(problems[1]!, 'web.listen[4]: "tcps://0.0.0.0:9115?');
  assertStringIncludes(problems[1]!, 'web.listen[1] "tcp://1.2.3.4:9115"');
});

Deno.test("the Go program's test configuration, its clashing listeners left out, validates", () => {
  const config = validate(
    GO_TEST_CLASHING_LISTENERS.reduce((text, line) => text.replace(line, ""), GO_TEST_CONFIG),
  );
  assertEquals(config.file, FILE);
  assertEquals(config.web.readHeaderTimeoutMs, 1000);
  assertEquals(config.web.listen, [
    { scheme: "unix", url: "unix:///var/run/server.socket", path: "/var/run/server.socket" },
    { scheme: "tcp", url: "tcp://1.2.3.4:9115", hostname: "1.2.3.4", port: 9115 },
    {
      scheme: "tcps",
      url:
        "tcps://99.89.89.89:9115?tlscert=/path/to/file/in/pem/format.crt&tlskey=/path/to/file/in/pem/format.pem",
      hostname: "99.89.89.89",
      port: 9115,
      tls: {
        certFile: "/path/to/file/in/pem/format.crt",
        keyFile: "/path/to/file/in/pem/format.pem",
        clientCaFile: undefined,
      },
    },
  ]);
  assertEquals(
    config.reverseExporters.map((p) => p.path),
    ["/metrics", "/blackbox", "/file-endpoint", "/dynamic_endpoint"],
  );
  assertEquals(config.reverseExporters[0]?.auth, {
    basicAuth: [{ username: "root", password: "test" }],
  });
  const prometheus = exporterOf(config, "http", 0, 0);
  assertEquals(prometheus.name, "prometheus");
  assertEquals(prometheus.settings.timeoutMs, 5000);
  const node = exporterOf(config, "http", 0, 1);
  assertEquals(node.settings.address.href, "http://127.0.0.1:9100/metrics");
  assertEquals(node.targetLabels, [
    { name: "node_uuid", value: "some.special.identifier" },
    { name: "exporter_name", value: "node_exporter" },
  ]);
  const blackbox = exporterOf(config, "http", 1);
  assertEquals(blackbox.noRewrite, true);
  assertEquals(blackbox.targetLabels, []);
  assertEquals(exporterOf(config, "file", 2).settings.file, "/etc/re/example.metrics.prom");
  const exec = exporterOf(config, "exec", 3);
  assertEquals(exec.settings.command, "/etc/re/scripted_metrics.sh");
  assertEquals(exec.settings.args, ["arg1", "arg2"]);
  const cached = exporterOf(config, "exec_cached", 3);
  assertEquals(cached.settings.command, "/etc/re/scripted_metrics.sh");
  assertEquals(cached.settings.args, []);
  assertEquals(cached.settings.execIntervalMs, 30_000);
});

Deno.test("the complete example of SPEC section 4 validates", () => {
  const config = validate(`
web:
  listen:
    - tcp://0.0.0.0:9998
    - tcps://0.0.0.0:9443?tlscert=server.crt&tlskey=server.key&tlsclientca=clients-ca.crt
    - unix:///run/reverse_exporter.sock
    - unixs:///run/reverse_exporter_tls.sock?tlscert=server.crt&tlskey=server.key
  read_header_timeout: 1s
  context_path: ""
  auth: {}
exporter_defaults:
  http: {timeout: 10s}
  file: {}
  exec: {}
  exec_cached: {}
reverse_exporters:
  - path: /metrics
    backend_metrics: true
    auth:
      basic_auth:
        - username: prometheus
          password: plain-text
        - username: prometheus
          password_hash: "${BCRYPT}"
    exporters:
      http:
        - name: node
          address: http://127.0.0.1:9100/metrics
          timeout: 1s
          labels: {node_uuid: abc}
          no_rewrite: false
          forward_url_params: false
          unix_socket: /run/node.sock
          tls: {ca_file: ca.crt, cert_file: c.crt, key_file: c.key, insecure_skip_verify: false}
          basic_auth: {username: u, password: p}
          headers: {X-Token: t}
      file:
        - name: cron
          path: /var/lib/metrics/cron.prom
      exec:
        - name: dynamic
          command: ./scripted_metrics.sh
          args: [arg1, arg2]
          timeout: 10s
          env: {FOO: bar}
          working_dir: /var/lib/reverse_exporter
      exec_cached:
        - name: periodic
          command: ./slow_metrics.sh
          args: []
          exec_interval: 30s
          timeout: 30s
          max_age: 90s
`);
  const path = config.reverseExporters[0];
  assert(path !== undefined);
  assertEquals(path.auth, {
    basicAuth: [
      { username: "prometheus", password: "plain-text" },
      { username: "prometheus", passwordHash: BCRYPT },
    ],
  });
  assertEquals(path.exporters.map((e) => `${e.kind}:${e.name}`), [
    "http:node",
    "file:cron",
    "exec:dynamic",
    "exec_cached:periodic",
  ]);
  const http = exporterOf(config, "http");
  assertEquals(http.settings.timeoutMs, 1000);
  assertEquals(http.settings.unixSocket, "/run/node.sock");
  assertEquals(http.settings.basicAuth, { username: "u", password: "p" });
  assertEquals(http.settings.headers, { "X-Token": "t" });
  assertEquals(exporterOf(config, "exec").settings.env, { FOO: "bar" });
  const cached = exporterOf(config, "exec_cached");
  assertEquals(cached.settings.timeoutMs, 30_000);
  assertEquals(cached.settings.maxAgeMs, 90_000);
  assertEquals(config.web.auth, undefined);
});

Deno.test("an empty document is valid: no paths, default listener", () => {
  for (const text of ["", "# only a comment\n", "null\n"]) {
    const config = validate(text);
    assertEquals(config.reverseExporters, []);
    assertEquals(config.web.listen.length, 1);
  }
  const config = validateConfig(null, SOURCE);
  assertEquals(config.reverseExporters, []);
  assertEquals(config.file, FILE);
});

Deno.test("web.max_connections and web.max_bytes_in_flight: defaults, values, clear errors", () => {
  const defaults = validate(httpPath("")).web;
  assertEquals([defaults.maxConnections, defaults.maxBytesInFlight], [256, 512 * 1024 * 1024]);
  const set = validate(`web: {max_connections: 32, max_bytes_in_flight: 64MiB}\n${httpPath("")}`);
  assertEquals([set.web.maxConnections, set.web.maxBytesInFlight], [32, 64 * 1024 * 1024]);
  assertEquals(validate("web: {max_bytes_in_flight: 1000}\n").web.maxBytesInFlight, 1000);
  for (const bad of ["0", "-1", "1.5", "many", "[1]"]) {
    assertOnlyProblem(
      `web: {max_connections: ${bad}}\n`,
      "web.max_connections",
      "expected a whole number of at least 1, got",
    );
  }
  for (const bad of ["0", "lots", "1.5PiB", "-1KiB"]) {
    assertOnlyProblem(
      `web: {max_bytes_in_flight: ${bad}}\n`,
      "web.max_bytes_in_flight",
      `invalid size`,
    );
  }
});

Deno.test("read_header_timeout: 0s does not turn the limit off: it is 60 s", () => {
  assertEquals(
    validate(`web: {read_header_timeout: 0s}\n${httpPath("")}`).web.readHeaderTimeoutMs,
    60_000,
  );
  assertEquals(
    validate(`web: {read_header_timeout: 0}\n${httpPath("")}`).web.readHeaderTimeoutMs,
    60_000,
  );
  assertEquals(
    validate(`web: {read_header_timeout: 250ms}\n${httpPath("")}`).web.readHeaderTimeoutMs,
    250,
  );
});

Deno.test("the default listener is tcp://[::]:9998 when web is absent", () => {
  const expected: ListenAddress[] = [
    { scheme: "tcp", url: "tcp://[::]:9998", hostname: "::", port: 9998 },
  ];
  assertEquals(validate(httpPath("")).web.listen, expected);
  assertEquals(validate(`web: {}\n${httpPath("")}`).web.listen, expected);
  const web = validate(httpPath("")).web;
  assertEquals(web.readHeaderTimeoutMs, 1000);
  assertEquals(web.contextPath, "");
  assertEquals(web.auth, undefined);
});

Deno.test('listen "tcp://[::]:9998" gives hostname "::" and port 9998', () => {
  const config = validate(`web:\n  listen: ["tcp://[::]:9998"]\n`);
  assertEquals(config.web.listen, [
    { scheme: "tcp", url: "tcp://[::]:9998", hostname: "::", port: 9998 },
  ]);
});

Deno.test('listen "tcp://127.0.0.1:0" gives port 0', () => {
  const config = validate(`web:\n  listen: ["tcp://127.0.0.1:0"]\n`);
  assertEquals(config.web.listen, [
    { scheme: "tcp", url: "tcp://127.0.0.1:0", hostname: "127.0.0.1", port: 0 },
  ]);
});

Deno.test("listen TLS files resolve against baseDir, absolute ones are unchanged", () => {
  const config = validate(`
web:
  listen:
    - tcps://0.0.0.0:9443?tlscert=server.crt&tlskey=/abs/server.key&tlsclientca=../ca/clients.crt
    - unixs://run/re.sock?tlscert=tls/s.crt&tlskey=tls/s.key
`);
  const [tcps, unixs] = config.web.listen;
  assert(tcps?.scheme === "tcps");
  assertEquals(tcps.tls, {
    certFile: "/etc/re/server.crt",
    keyFile: "/abs/server.key",
    clientCaFile: "/etc/ca/clients.crt",
  });
  assert(unixs?.scheme === "unixs");
  assertEquals(unixs.path, "/etc/re/run/re.sock");
  assertEquals(unixs.tls.certFile, "/etc/re/tls/s.crt");
  assertEquals(unixs.tls.keyFile, "/etc/re/tls/s.key");
});

// ---------------------------------------------------------------- defaults

Deno.test("http timeout defaults to 10000 ms, exec timeout too", () => {
  const config = validate(`
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
      exec:
        - {name: script, command: /bin/true}
`);
  assertEquals(exporterOf(config, "http").settings.timeoutMs, 10_000);
  assertEquals(exporterOf(config, "exec").settings.timeoutMs, 10_000);
});

Deno.test("timeout: 0 gives Infinity (no timeout of its own)", () => {
  assertEquals(
    exporterOf(validate(httpPath("          timeout: 0\n")), "http").settings.timeoutMs,
    Infinity,
  );
  assertEquals(
    exporterOf(validate(httpPath("          timeout: 0s\n")), "http").settings.timeoutMs,
    Infinity,
  );
  assertEquals(
    exporterOf(validate(httpPath('          timeout: "0"\n')), "http").settings.timeoutMs,
    Infinity,
  );
});

Deno.test("durations use Prometheus syntax", () => {
  for (
    const [text, ms] of [
      ["500ms", 500],
      ["1s", 1000],
      ["1m30s", 90_000],
      ["1h", 3_600_000],
      ["1m500ms", 60_500],
    ] as const
  ) {
    assertEquals(
      exporterOf(validate(httpPath(`          timeout: ${text}\n`)), "http").settings.timeoutMs,
      ms,
      text,
    );
  }
});

Deno.test("exporter_defaults.http.timeout applies to every http exporter without its own", () => {
  const config = validate(`
exporter_defaults:
  http:
    timeout: 3s
reverse_exporters:
  - path: /a
    exporters:
      http:
        - {name: one, address: "http://127.0.0.1:1/metrics"}
        - {name: two, address: "http://127.0.0.1:2/metrics", timeout: 7s}
  - path: /b
    exporters:
      http:
        - {name: one, address: "http://127.0.0.1:3/metrics"}
      exec:
        - {name: script, command: /bin/true}
`);
  assertEquals(exporterOf(config, "http", 0, 0).settings.timeoutMs, 3000);
  assertEquals(exporterOf(config, "http", 0, 1).settings.timeoutMs, 7000);
  assertEquals(exporterOf(config, "http", 1, 0).settings.timeoutMs, 3000);
  // Defaults of one kind do not leak into another.
  assertEquals(exporterOf(config, "exec", 1).settings.timeoutMs, 10_000);
});

Deno.test("exporter_defaults labels merge key by key with the exporter's labels", () => {
  const config = validate(`
exporter_defaults:
  http:
    labels: {env: prod, dc: a}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node
          address: http://127.0.0.1:9100/metrics
          labels: {dc: b, node: x}
        - name: other
          address: http://127.0.0.1:9101/metrics
`);
  assertEquals(exporterOf(config, "http", 0, 0).targetLabels, [
    { name: "dc", value: "b" },
    { name: "env", value: "prod" },
    { name: "node", value: "x" },
    { name: "exporter_name", value: "node" },
  ]);
  assertEquals(exporterOf(config, "http", 0, 1).targetLabels, [
    { name: "dc", value: "a" },
    { name: "env", value: "prod" },
    { name: "exporter_name", value: "other" },
  ]);
});

Deno.test("an invalid value in exporter_defaults is reported once, at its own key", () => {
  const problems = problemsOf(`
exporter_defaults:
  http:
    timeout: ten
reverse_exporters:
  - path: /a
    exporters:
      http:
        - {name: one, address: "http://127.0.0.1:1/metrics"}
        - {name: two, address: "http://127.0.0.1:2/metrics"}
  - path: /b
    exporters:
      http:
        - {name: one, address: "http://127.0.0.1:3/metrics"}
`);
  assertEquals(problems.length, 1, problems.join("\n"));
  assertStringIncludes(
    problems[0] ?? "",
    `${FILE}: exporter_defaults.http.timeout: invalid duration "ten"`,
  );
});

Deno.test("name is rejected inside exporter_defaults", () => {
  assertProblem(
    `
exporter_defaults:
  http:
    name: everyone
`,
    "exporter_defaults.http.name",
    "unknown key",
  );
});

Deno.test("exec_cached timeout defaults to exec_interval and max_age to 3x exec_interval", () => {
  const config = validate(`
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: a, command: ./a.sh, exec_interval: 30s}
        - {name: b, command: ./b.sh, exec_interval: 1m, timeout: 5s, max_age: 10m}
`);
  const a = exporterOf(config, "exec_cached", 0, 0);
  assertEquals(a.settings.execIntervalMs, 30_000);
  assertEquals(a.settings.timeoutMs, 30_000);
  assertEquals(a.settings.maxAgeMs, 90_000);
  const b = exporterOf(config, "exec_cached", 0, 1);
  assertEquals(b.settings.execIntervalMs, 60_000);
  assertEquals(b.settings.timeoutMs, 5000);
  assertEquals(b.settings.maxAgeMs, 600_000);
});

Deno.test("backend_metrics defaults to true and can be turned off", () => {
  assertEquals(validate(httpPath("")).reverseExporters[0]?.backendMetrics, true);
  assertEquals(
    validate(httpPath("", "    backend_metrics: false\n")).reverseExporters[0]?.backendMetrics,
    false,
  );
  assertEquals(validate(httpPath("")).reverseExporters[0]?.ownMetrics, false);
  assertEquals(validate(httpPath("")).reverseExporters[0]?.auth, undefined);
});

Deno.test("http exporter defaults: no rewrite off, no forwarding, no TLS, no headers", () => {
  const http = exporterOf(validate(httpPath("")), "http");
  assertEquals(http.noRewrite, false);
  assertEquals(http.settings.forwardUrlParams, false);
  assertEquals(http.settings.unixSocket, undefined);
  assertEquals(http.settings.tls, undefined);
  assertEquals(http.settings.basicAuth, undefined);
  assertEquals(http.settings.headers, {});
  assertEquals(http.bodySizeLimit, 128 * 1024 * 1024);
});

// ---------------------------------------------------------------- target labels

Deno.test("targetLabels are sorted by name with exporter_name last", () => {
  const config = validate(httpPath("          labels: {zeta: z, alpha: a, mid: m, Beta: b}\n"));
  assertEquals(exporterOf(config, "http").targetLabels, [
    { name: "Beta", value: "b" },
    { name: "alpha", value: "a" },
    { name: "mid", value: "m" },
    { name: "zeta", value: "z" },
    { name: "exporter_name", value: "node" },
  ]);
});

Deno.test("with no_rewrite: true there is no exporter_name label", () => {
  const config = validate(httpPath("          no_rewrite: true\n          labels: {b: 2, a: 1}\n"));
  const http = exporterOf(config, "http");
  assertEquals(http.noRewrite, true);
  assertEquals(http.targetLabels, [{ name: "a", value: "1" }, { name: "b", value: "2" }]);
});

// ---------------------------------------------------------------- relative paths

Deno.test("relative paths resolve against baseDir, absolute ones are unchanged", () => {
  const config = validate(`
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: web
          address: https://127.0.0.1:9100/metrics
          unix_socket: run/node.sock
          tls: {ca_file: ca.crt, cert_file: /abs/client.crt, key_file: ./keys/client.key}
      file:
        - {name: relative, path: data/cron.prom}
        - {name: absolute, path: /var/lib/metrics/cron.prom}
        - {name: parent, path: ../shared/x.prom}
      exec:
        - {name: dot, command: ./x.sh, working_dir: work}
        - {name: sub, command: bin/x.sh, working_dir: /abs/work}
        - {name: abs, command: /usr/bin/x.sh}
        - {name: bare, command: python3}
      exec_cached:
        - {name: cached, command: ./y.sh, exec_interval: 1s, working_dir: .}
`);
  const http = exporterOf(config, "http");
  assertEquals(http.settings.unixSocket, "/etc/re/run/node.sock");
  assertEquals(http.settings.tls, {
    caFile: "/etc/re/ca.crt",
    certFile: "/abs/client.crt",
    keyFile: "/etc/re/keys/client.key",
    insecureSkipVerify: false,
  });
  assertEquals(exporterOf(config, "file", 0, 0).settings.file, "/etc/re/data/cron.prom");
  assertEquals(exporterOf(config, "file", 0, 1).settings.file, "/var/lib/metrics/cron.prom");
  assertEquals(exporterOf(config, "file", 0, 2).settings.file, "/etc/shared/x.prom");
  const dot = exporterOf(config, "exec", 0, 0);
  assertEquals(dot.settings.command, "/etc/re/x.sh");
  assertEquals(dot.settings.workingDir, "/etc/re/work");
  const sub = exporterOf(config, "exec", 0, 1);
  assertEquals(sub.settings.command, "/etc/re/bin/x.sh");
  assertEquals(sub.settings.workingDir, "/abs/work");
  const abs = exporterOf(config, "exec", 0, 2);
  assertEquals(abs.settings.command, "/usr/bin/x.sh");
  assertEquals(abs.settings.workingDir, undefined);
  assertEquals(exporterOf(config, "exec", 0, 3).settings.command, "python3");
  const cached = exporterOf(config, "exec_cached");
  assertEquals(cached.settings.command, "/etc/re/y.sh");
  assertEquals(cached.settings.workingDir, "/etc/re");
});

// ---------------------------------------------------------------- unknown keys

Deno.test("unknown key at top level, with a suggestion", () => {
  assertOnlyProblem(
    "reverse_exporter: []\n",
    "reverse_exporter",
    'unknown key (did you mean "reverse_exporters"?); known keys here: web, exporter_defaults, reverse_exporters',
  );
});

Deno.test("unknown key in web, with a suggestion", () => {
  assertOnlyProblem(
    "web:\n  lisen: [tcp://0.0.0.0:9998]\n",
    "web.lisen",
    'unknown key (did you mean "listen"?)',
  );
});

Deno.test("unknown key in a path, with a suggestion", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporter:
      http: []
`,
    "reverse_exporters[0].exporter",
    'unknown key (did you mean "exporters"?)',
  );
});

Deno.test("unknown exporter kind in a path's exporters, with a suggestion", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      htp: []
`,
    "reverse_exporters[0].exporters.htp",
    'unknown key (did you mean "http"?)',
  );
});

Deno.test("unknown key in an exporter, with a suggestion", () => {
  const problems = assertProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node
          address: http://127.0.0.1:9100/metrics
        - name: other
          adress: http://127.0.0.1:9101/metrics
`,
    "reverse_exporters[0].exporters.http[1].adress",
    'unknown key (did you mean "address"?)',
  );
  assert(
    problems.some((p) =>
      p.startsWith(
        `${FILE}: reverse_exporters[0].exporters.http[1].adress: unknown key ` +
          '(did you mean "address"?); known keys here: name, labels,',
      )
    ),
    problems.join("\n"),
  );
});

Deno.test("unknown key in exporter_defaults.http, with a suggestion", () => {
  assertOnlyProblem(
    "exporter_defaults:\n  http:\n    timout: 5s\n",
    "exporter_defaults.http.timout",
    'unknown key (did you mean "timeout"?)',
  );
});

Deno.test("unknown key in exporter_defaults itself, with a suggestion", () => {
  assertOnlyProblem(
    "exporter_defaults:\n  exec_cache: {}\n",
    "exporter_defaults.exec_cache",
    'unknown key (did you mean "exec_cached"?)',
  );
});

Deno.test("unknown key in a basic_auth credential, with a suggestion", () => {
  assertProblem(
    httpPath("", "    auth:\n      basic_auth:\n        - {username: u, pasword: p}\n"),
    "reverse_exporters[0].auth.basic_auth[0].pasword",
    'unknown key (did you mean "password"?)',
  );
});

Deno.test("an unknown key far from every known key gets no suggestion", () => {
  const problems = assertProblem(
    "web:\n  zzzzzzzzzz: 1\n",
    "web.zzzzzzzzzz",
    "unknown key; known keys here: listen, read_header_timeout, context_path, auth, " +
      "engine_workers, max_connections, max_bytes_in_flight",
  );
  assert(!problems.some((p) => p.includes("did you mean")), problems.join("\n"));
});

// ---------------------------------------------------------------- wrong types

Deno.test("wrong type: a string where a list is expected (reverse_exporters)", () => {
  assertOnlyProblem(
    "reverse_exporters: /metrics\n",
    "reverse_exporters",
    'expected a list, got string "/metrics"',
  );
});

Deno.test("wrong type: a string where a list is expected (web.listen)", () => {
  assertOnlyProblem(
    "web:\n  listen: tcp://0.0.0.0:9998\n",
    "web.listen",
    'expected a list, got string "tcp://0.0.0.0:9998"',
  );
});

Deno.test("wrong type: a string where a list is expected (exec args)", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec:
        - {name: script, command: /bin/echo, args: "a b"}
`,
    "reverse_exporters[0].exporters.exec[0].args",
    "expected a list",
  );
});

Deno.test("wrong type: a mapping where a string is expected (path)", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: {metrics: true}
`,
    "reverse_exporters[0].path",
    "expected a string, got a mapping",
  );
});

Deno.test("wrong type: a mapping where a string is expected (exporter address)", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node
          address: {host: 127.0.0.1}
`,
    "reverse_exporters[0].exporters.http[0].address",
    "expected a string, got a mapping",
  );
});

Deno.test("wrong type: a mapping where a string is expected (label value)", () => {
  assertOnlyProblem(
    httpPath("          labels:\n            team: {name: x}\n"),
    "reverse_exporters[0].exporters.http[0].labels.team",
    "expected a string, got a mapping",
  );
});

Deno.test("wrong type: a number where a bool is expected (no_rewrite)", () => {
  assertOnlyProblem(
    httpPath("          no_rewrite: 1\n"),
    "reverse_exporters[0].exporters.http[0].no_rewrite",
    "expected true or false, got number 1",
  );
});

Deno.test("wrong type: a number where a bool is expected (backend_metrics)", () => {
  assertOnlyProblem(
    httpPath("", "    backend_metrics: 0\n"),
    "reverse_exporters[0].backend_metrics",
    "expected true or false, got number 0",
  );
});

Deno.test("wrong type: a list where a mapping is expected (top level, web, exporter)", () => {
  assertOnlyProblem("- path: /metrics\n", "(top level)", "expected a mapping, got a list");
  assertOnlyProblem("web: [tcp://0.0.0.0:9998]\n", "web", "expected a mapping, got a list");
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      file:
        - cron.prom
`,
    "reverse_exporters[0].exporters.file[0]",
    'expected a mapping, got string "cron.prom"',
  );
});

// ---------------------------------------------------------------- duplicates

Deno.test("duplicate paths are rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
  - path: /other
  - path: /metrics
`,
    "reverse_exporters[2].path",
    "duplicate path /metrics",
  );
});

Deno.test("duplicate exporter names within a path are rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
        - {name: node, address: "http://127.0.0.1:9101/metrics"}
`,
    "reverse_exporters[0].exporters.http[1].name",
    'duplicate exporter name "node" in path /metrics',
  );
});

Deno.test("duplicate exporter names across kinds within a path are rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
      file:
        - {name: node, path: node.prom}
`,
    "reverse_exporters[0].exporters.file[0].name",
    'duplicate exporter name "node"',
  );
});

Deno.test("the same exporter name in two paths is fine", () => {
  const config = validate(`
reverse_exporters:
  - path: /a
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
  - path: /b
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
`);
  assertEquals(exporterOf(config, "http", 0).name, "node");
  assertEquals(exporterOf(config, "http", 1).name, "node");
});

// ---------------------------------------------------------------- labels

Deno.test("exporter_name among labels is rejected", () => {
  assertOnlyProblem(
    httpPath("          labels: {exporter_name: mine}\n"),
    "reverse_exporters[0].exporters.http[0].labels.exporter_name",
    '"exporter_name" is set from the exporter\'s name and cannot be a label',
  );
});

for (const name of ["1abc", "a-b", "__reserved", "a.b", "\u00e9"]) {
  Deno.test(`invalid label name ${JSON.stringify(name)} is rejected`, () => {
    assertOnlyProblem(
      httpPath(`          labels: {${JSON.stringify(name)}: x}\n`),
      `reverse_exporters[0].exporters.http[0].labels.${name}`,
      "invalid label name",
    );
  });
}

// ---------------------------------------------------------------- durations

for (const text of ['"10"', "10", '"1.5s"', "ten", '"1s1m"', '"-1s"', '""']) {
  Deno.test(`bad duration ${text} is rejected`, () => {
    assertOnlyProblem(
      httpPath(`          timeout: ${text}\n`),
      "reverse_exporters[0].exporters.http[0].timeout",
      "invalid duration",
    );
  });
}

Deno.test("bad durations are rejected in web, exec and exec_cached too", () => {
  assertOnlyProblem(
    "web:\n  read_header_timeout: ten\n",
    "web.read_header_timeout",
    'invalid duration "ten": use Prometheus syntax',
  );
  const problems = problemsOf(`
reverse_exporters:
  - path: /metrics
    exporters:
      exec:
        - {name: a, command: /bin/true, timeout: "1.5s"}
      exec_cached:
        - {name: b, command: /bin/true, exec_interval: 10s, max_age: ten}
`);
  assertEquals(problems.length, 2, problems.join("\n"));
  const keys = problems.map((p) => p.split(": ")[1]);
  assertEquals(keys, [
    "reverse_exporters[0].exporters.exec[0].timeout",
    "reverse_exporters[0].exporters.exec_cached[0].max_age",
  ]);
});

Deno.test("a bad exec_interval is rejected as an invalid duration", () => {
  assertProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: b, command: /bin/true, exec_interval: "10"}
`,
    "reverse_exporters[0].exporters.exec_cached[0].exec_interval",
    'invalid duration "10"',
  );
});

Deno.test({
  name: "a bad exec_interval is reported once, without a false 'must be more than 0'",
  fn() {
    assertOnlyProblem(
      `
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: b, command: /bin/true, exec_interval: "10"}
`,
      "reverse_exporters[0].exporters.exec_cached[0].exec_interval",
      'invalid duration "10"',
    );
  },
});

// ---------------------------------------------------------------- listen URLs

Deno.test("listen URL of an unknown scheme is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [tcp://0.0.0.0:9998, http://0.0.0.0:9998]\n",
    "web.listen[1]",
    'unknown scheme "http"',
  );
});

Deno.test("listen URL that is not a URL is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [0.0.0.0:9998]\n",
    "web.listen[0]",
    'invalid listen URL "0.0.0.0:9998"',
  );
});

Deno.test("tcp listen without a port is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [tcp://0.0.0.0]\n",
    "web.listen[0]",
    "needs a host and a port",
  );
});

Deno.test("tcps listen without tlscert and tlskey is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [tcps://0.0.0.0:9443]\n",
    "web.listen[0]",
    "tcps:// needs both tlscert= and tlskey= parameters",
  );
});

Deno.test("tcps listen with tlscert but no tlskey is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [tcps://0.0.0.0:9443?tlscert=server.crt]\n",
    "web.listen[0]",
    "tcps:// needs both tlscert= and tlskey= parameters",
  );
});

Deno.test("unixs listen without tlscert and tlskey is rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [unixs:///run/re.sock]\n",
    "web.listen[0]",
    "unixs:// needs both tlscert= and tlskey= parameters",
  );
});

Deno.test("an empty listen list is rejected", () => {
  assertOnlyProblem("web:\n  listen: []\n", "web.listen", "at least one address");
});

Deno.test("unknown listen URL parameters are rejected", () => {
  assertOnlyProblem(
    "web:\n  listen: [tcp://0.0.0.0:9998?tlscert=a.crt]\n",
    "web.listen[0]",
    'unknown parameter "tlscert"',
  );
});

// ---------------------------------------------------------------- served paths

Deno.test('a path not starting with "/" is rejected', () => {
  assertOnlyProblem(
    "reverse_exporters:\n  - path: metrics\n",
    "reverse_exporters[0].path",
    'must start with "/", got "metrics"',
  );
});

for (const path of ["/", "/-/metrics", "/-/healthy", "/-/reload", "/-"]) {
  Deno.test(`path ${path} collides with the program's own routes`, () => {
    assertOnlyProblem(
      `reverse_exporters:\n  - path: ${path}\n`,
      "reverse_exporters[0].path",
      "collides with the program's own routes",
    );
  });
}

for (
  const path of [
    "/metrics/",
    "//metrics",
    "/a//b",
    "/a/../b",
    "/..",
    "/a/./b",
    "/a b",
    "/*",
    "/:name",
    "/m{[0-9]+}",
    "/metrics?x",
    "/a%20b",
  ]
) {
  Deno.test(`path ${JSON.stringify(path)} (trailing slash, //, . or .., route patterns) is rejected`, () => {
    assertOnlyProblem(
      `reverse_exporters:\n  - path: "${path}"\n`,
      "reverse_exporters[0].path",
      "must be segments of letters, digits, '-', '_', '.' and '~'",
    );
  });
}

Deno.test("an address's user info becomes basic_auth and leaves the URL", () => {
  const config = validateConfig(
    parseYaml(
      `reverse_exporters: [{path: /m, exporters: {http: [{name: a, address: "http://us%3Aer:p%40ss@127.0.0.1:9100/metrics"}]}}]`,
    ),
    { file: "/etc/re/config.yml", baseDir: "/etc/re", kinds: KINDS },
  );
  const exporter = config.reverseExporters[0]!.exporters[0]! as ExporterConfig<HttpSettings>;
  assert(exporter.kind === "http");
  assertEquals(exporter.settings.address.href, "http://127.0.0.1:9100/metrics");
  assertEquals(exporter.settings.basicAuth, { username: "us:er", password: "p@ss" });
});

Deno.test("user info in the address and basic_auth together are rejected", () => {
  assertOnlyProblem(
    `reverse_exporters: [{path: /m, exporters: {http: [{name: a, address: "http://u:p@h/m", basic_auth: {username: v}}]}}]`,
    "reverse_exporters[0].exporters.http[0].address",
    "basic_auth is set too",
  );
});

Deno.test("tls.insecure_skip_verify is refused at its key", () => {
  assertOnlyProblem(
    `reverse_exporters: [{path: /m, exporters: {http: [{name: a, address: "https://h/m", tls: {insecure_skip_verify: true}}]}}]`,
    "reverse_exporters[0].exporters.http[0].tls.insecure_skip_verify",
    "not supported",
  );
});

Deno.test("durations longer than timers can hold are rejected", () => {
  assertOnlyProblem(
    `reverse_exporters: [{path: /m, exporters: {exec_cached: [{name: a, command: x, exec_interval: 30d}]}}]`,
    "reverse_exporters[0].exporters.exec_cached[0].exec_interval",
    "longer than the longest duration supported",
  );
});

Deno.test("an empty path is rejected", () => {
  assertOnlyProblem('reverse_exporters:\n  - path: ""\n', "reverse_exporters[0].path", "empty");
});

// ---------------------------------------------------------------- required keys

Deno.test("a path without path is rejected", () => {
  assertOnlyProblem(
    "reverse_exporters:\n  - backend_metrics: true\n",
    "reverse_exporters[0].path",
    "required",
  );
});

Deno.test("an exporter without name is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - address: http://127.0.0.1:9100/metrics
`,
    "reverse_exporters[0].exporters.http[0].name",
    "required",
  );
});

Deno.test("an http exporter without address is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node
`,
    "reverse_exporters[0].exporters.http[0].address",
    "required",
  );
});

Deno.test("an http exporter address that is not http(s) is rejected", () => {
  assertOnlyProblem(
    httpPath("").replace("http://127.0.0.1:9100/metrics", "ftp://127.0.0.1/metrics"),
    "reverse_exporters[0].exporters.http[0].address",
    "must be an http:// or https:// URL",
  );
});

Deno.test("a file exporter without path is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      file:
        - name: cron
`,
    "reverse_exporters[0].exporters.file[0].path",
    "required",
  );
});

Deno.test("an exec exporter without command is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec:
        - name: script
`,
    "reverse_exporters[0].exporters.exec[0].command",
    "required",
  );
});

Deno.test("an exec_cached exporter without command is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: script, exec_interval: 30s}
`,
    "reverse_exporters[0].exporters.exec_cached[0].command",
    "required",
  );
});

Deno.test("an exec_cached exporter without exec_interval is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: script, command: ./script.sh}
`,
    "reverse_exporters[0].exporters.exec_cached[0].exec_interval",
    "required",
  );
});

Deno.test("an exec_cached exporter with exec_interval 0 is rejected", () => {
  assertOnlyProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached:
        - {name: script, command: ./script.sh, exec_interval: 0s}
`,
    "reverse_exporters[0].exporters.exec_cached[0].exec_interval",
    "must be more than 0",
  );
});

// ---------------------------------------------------------------- basic_auth

Deno.test("a basic_auth credential with neither password nor password_hash is rejected", () => {
  assertOnlyProblem(
    httpPath("", "    auth:\n      basic_auth:\n        - username: prometheus\n"),
    "reverse_exporters[0].auth.basic_auth[0]",
    "needs exactly one of password, password_file and password_hash",
  );
});

Deno.test("a basic_auth credential with both password and password_hash is rejected", () => {
  assertOnlyProblem(
    httpPath(
      "",
      `    auth:\n      basic_auth:\n        - {username: p, password: x, password_hash: "${BCRYPT}"}\n`,
    ),
    "reverse_exporters[0].auth.basic_auth[0]",
    "needs exactly one of password, password_file and password_hash",
  );
});

Deno.test("a basic_auth credential in web.auth is checked the same way", () => {
  assertOnlyProblem(
    "web:\n  auth:\n    basic_auth:\n      - {username: admin}\n",
    "web.auth.basic_auth[0]",
    "needs exactly one of password, password_file and password_hash",
  );
});

for (const hash of ["plain-text", "$2y$10$tooshort", `${BCRYPT.slice(0, -1)}!`, "$1$abc$def"]) {
  Deno.test(`a bad bcrypt hash ${JSON.stringify(hash)} is rejected`, () => {
    assertOnlyProblem(
      httpPath(
        "",
        `    auth:\n      basic_auth:\n        - {username: p, password_hash: "${hash}"}\n`,
      ),
      "reverse_exporters[0].auth.basic_auth[0].password_hash",
      "is not a bcrypt hash",
    );
  });
}

Deno.test("a basic_auth credential without username is rejected", () => {
  assertOnlyProblem(
    httpPath("", "    auth:\n      basic_auth:\n        - {password: x}\n"),
    "reverse_exporters[0].auth.basic_auth[0].username",
    "required",
  );
});

// ---------------------------------------------------------------- several problems

Deno.test("several problems are all reported at once, in one ConfigError", () => {
  const error = assertThrows(
    () =>
      validate(`
web:
  listen: [http://0.0.0.0:9998]
  read_header_timeot: 1s
reverse_exporters:
  - path: metrics
    exporters:
      http:
        - name: node
          adress: http://127.0.0.1:9100/metrics
          timeout: ten
          labels: {1abc: x}
  - path: /-/healthy
`),
    ConfigError,
  );
  const expected = [
    "web.read_header_timeot: unknown key",
    "web.listen[0]: unknown scheme",
    'reverse_exporters[0].path: must start with "/"',
    "reverse_exporters[0].exporters.http[0].adress: unknown key",
    "reverse_exporters[0].exporters.http[0].labels.1abc: invalid label name",
    "reverse_exporters[0].exporters.http[0].address: required",
    "reverse_exporters[1].path: /-/healthy collides",
  ];
  for (const fragment of expected) {
    assert(
      error.problems.some((p) => p.startsWith(`${FILE}: ${fragment}`)),
      `missing "${fragment}" among:\n${error.problems.join("\n")}`,
    );
  }
  assert(error.problems.length >= expected.length);
  // The message lists them all, one per line.
  assertEquals(error.message, error.problems.join("\n"));
  assertEquals(error.name, "ConfigError");
});

Deno.test({
  name: "an http exporter's other problems are reported even when its address is bad",
  fn() {
    const problems = problemsOf(`
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node
          address: ftp://127.0.0.1/metrics
          timeout: ten
`);
    assert(
      problems.some((p) =>
        p.startsWith(`${FILE}: reverse_exporters[0].exporters.http[0].address: `)
      ),
      problems.join("\n"),
    );
    assert(
      problems.some((p) =>
        p.startsWith(`${FILE}: reverse_exporters[0].exporters.http[0].timeout: `)
      ),
      problems.join("\n"),
    );
  },
});

Deno.test("the embedded default label names the configuration when there is no file", () => {
  const error = assertThrows(
    () => validateConfig({ reverse_exporter: [] }, { file: undefined, baseDir: "/", kinds: KINDS }),
    ConfigError,
  );
  assertStringIncludes(
    error.problems[0] ?? "",
    "embedded default configuration: reverse_exporter:",
  );
});

Deno.test("an empty key in an exporter keeps the value of exporter_defaults", () => {
  const config = validateConfig(
    parseYaml(`
exporter_defaults:
  http: {labels: {site: lab}, timeout: 3s}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: a, address: "http://127.0.0.1:9100/metrics", labels: null, timeout: null}
`),
    { file: "/etc/re/config.yml", baseDir: "/etc/re", kinds: KINDS },
  );
  const exporter = config.reverseExporters[0]!.exporters[0]!;
  assertEquals(exporter.targetLabels, [
    { name: "site", value: "lab" },
    { name: "exporter_name", value: "a" },
  ]);
  assertEquals(exporter.kind === "http" && (exporter.settings as HttpSettings).timeoutMs, 3000);
});

Deno.test("a password of the wrong type is reported once, as a type error", () => {
  const error = assertThrows(
    () =>
      validateConfig(
        parseYaml(`
reverse_exporters:
  - path: /metrics
    auth: {basic_auth: [{username: u, password: 123}]}
`),
        { file: "/etc/re/config.yml", baseDir: "/etc/re", kinds: KINDS },
      ),
    ConfigError,
  );
  assertEquals(error.problems, [
    "/etc/re/config.yml: reverse_exporters[0].auth.basic_auth[0].password: expected a string, got number 123",
  ]);
});

Deno.test("a tcp:// listen URL with a path is rejected", () => {
  const error = assertThrows(
    () =>
      validateConfig(parseYaml(`web: {listen: ["tcp://127.0.0.1:9998/metrics"]}`), {
        file: "/etc/re/config.yml",
        baseDir: "/etc/re",
        kinds: KINDS,
      }),
    ConfigError,
  );
  assertStringIncludes(error.problems[0]!, "web.listen[0]");
  assertStringIncludes(error.problems[0]!, "has no path");
});

Deno.test('listen "tcp://:9998" (no host) is every address, as in Go: [::]', () => {
  const config = validate(
    `web:\n  listen: ["tcp://:9998", "tcps://:9443?tlscert=a.crt&tlskey=a.key"]\n`,
  );
  assertEquals(config.web.listen, [
    { scheme: "tcp", url: "tcp://:9998", hostname: "::", port: 9998 },
    {
      scheme: "tcps",
      url: "tcps://:9443?tlscert=a.crt&tlskey=a.key",
      hostname: "::",
      port: 9443,
      tls: { certFile: "/etc/re/a.crt", keyFile: "/etc/re/a.key", clientCaFile: undefined },
    },
  ]);
});

Deno.test('context_path "/reverse/" (the Go form) is "/reverse", and "/" is ""', () => {
  assertEquals(validate(`web: {context_path: /reverse/}\n`).web.contextPath, "/reverse");
  assertEquals(validate(`web: {context_path: /a/b/}\n`).web.contextPath, "/a/b");
  assertEquals(validate(`web: {context_path: /}\n`).web.contextPath, "");
  assertOnlyProblem("web: {context_path: reverse}\n", "web.context_path", 'start with "/"');
  assertOnlyProblem("web: {context_path: /reverse//}\n", "web.context_path", 'start with "/"');
});

Deno.test("the same listen address or socket given twice is refused, naming both entries", () => {
  const cases: [string[], string][] = [
    [["tcp://0.0.0.0:9998", "tcp://0.0.0.0:9998"], "listens on the same address as"],
    [["tcp://[::]:9998", "tcp://:9998"], "listens on the same address as"],
    [["tcp://[::]:9998", "tcp://127.0.0.1:9998"], "takes port 9998 on an address already taken"],
    [["tcp://127.0.0.1:9998", "tcp://[::]:9998"], "takes port 9998 on an address already taken"],
    [["tcp://0.0.0.0:9998", "tcp://[::1]:9998", "tcp://127.0.0.1:9998"], "already taken"],
    [["tcp://[::1]:9998", "tcp://[::]:9998"], "takes port 9998 on an address already taken"],
    [["tcp://127.0.0.1:9998", "tcps://127.0.0.1:9998?tlscert=a&tlskey=b"], "the same address"],
    [["unix:///run/re.sock", "unixs:///run/re.sock?tlscert=a&tlskey=b"], "the same socket as"],
    [["unix://re.sock", "unix:///etc/re/re.sock"], "is the same socket as"],
  ];
  for (const [listen, fragment] of cases) {
    const last = listen.length - 1;
    const problems = assertProblem(
      `web:\n  listen: ${JSON.stringify(listen)}\n`,
      `web.listen[${last}]`,
      fragment,
    );
    assertEquals(problems.length, 1, problems.join("\n"));
    assertStringIncludes(problems[0]!, `${JSON.stringify(listen[last])} `);
    assertStringIncludes(problems[0]!, ` web.listen[0] ${JSON.stringify(listen[0])}`);
  }
});

Deno.test("listen addresses that can be bound together are accepted", () => {
  for (
    const listen of [
      ["tcp://127.0.0.1:9998", "tcp://[::1]:9998"],
      ["tcp://0.0.0.0:9998", "tcp://[::1]:9998"],
      ["tcp://127.0.0.1:9998", "tcp://127.0.0.2:9998"],
      ["tcp://127.0.0.1:0", "tcp://127.0.0.1:0"],
      ["tcp://[::]:9998", "tcp://[::]:9999", "unix:///run/a.sock", "unix:///run/b.sock"],
    ]
  ) {
    assertEquals(
      validate(`web:\n  listen: ${JSON.stringify(listen)}\n`).web.listen.length,
      listen.length,
    );
  }
});

// ---------------------------------------------------------------- formats and engine

Deno.test("scrape_protocols: Prometheus's names, in the order given; all, protobuf first, by default", () => {
  const config = validate(`
exporter_defaults:
  http: {scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: a, address: "http://127.0.0.1:9100/metrics"}
        - {name: b, address: "http://127.0.0.1:9100/metrics", scrape_protocols: [PrometheusProto]}
`);
  const [a, b] = config.reverseExporters[0]!.exporters;
  assertEquals(a!.kind === "http" && (a!.settings as HttpSettings).scrapeProtocols, [
    "PrometheusText0.0.4",
    "OpenMetricsText1.0.0",
  ]);
  assertEquals(b!.kind === "http" && (b!.settings as HttpSettings).scrapeProtocols, [
    "PrometheusProto",
  ]);
  const defaults = validate(`
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: a, address: "http://127.0.0.1:9100/metrics"}]}
`);
  const only = defaults.reverseExporters[0]!.exporters[0]!;
  assertEquals(only.kind === "http" && (only.settings as HttpSettings).scrapeProtocols, [
    "PrometheusProto",
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
  ]);
});

Deno.test("scrape_protocols: an unknown name (with a suggestion), a repeat and an empty list are refused", () => {
  assertProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: a, address: "http://127.0.0.1/", scrape_protocols: [PrometheusText0.0.5, PrometheusProto, PrometheusProto]}]
`,
    "reverse_exporters[0].exporters.http[0].scrape_protocols[0]",
    'unknown protocol "PrometheusText0.0.5" (did you mean "PrometheusText0.0.4"?)',
  );
  assertProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: a, address: "http://127.0.0.1/", scrape_protocols: [PrometheusProto, PrometheusProto]}]
`,
    "reverse_exporters[0].exporters.http[0].scrape_protocols[1]",
    "PrometheusProto is listed twice",
  );
  assertProblem(
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: a, address: "http://127.0.0.1/", scrape_protocols: []}]
`,
    "reverse_exporters[0].exporters.http[0].scrape_protocols",
    "must list at least one protocol",
  );
});

Deno.test("web.engine_workers: a whole number from 0 to 64", () => {
  assertEquals(validate("web: {engine_workers: 0}\n").web.engineWorkers, 0);
  assertEquals(validate("web: {engine_workers: 3}\n").web.engineWorkers, 3);
  for (const bad of ["-1", "65", "1.5", '"two"']) {
    assertProblem(
      `web: {engine_workers: ${bad}}\n`,
      "web.engine_workers",
      "expected a whole number from 0 to 64",
    );
  }
});
