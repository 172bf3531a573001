/** The permission set computed from a configuration: exact flags for every kind and listener. */
import { EMBEDDED_CONFIG } from "../src/config/load.ts";
import { validateConfig } from "../src/config/validate.ts";
import { KINDS } from "../src/exporters/mod.ts";
import { configPermissions, permissionArgs, permissionFlags } from "../src/permissions.ts";
import { parseYaml } from "../src/std/yaml.ts";
import { assertEquals } from "./_assert.ts";

function flagsOf(yaml: string): string[] {
  const config = validateConfig(parseYaml(yaml), {
    file: "/etc/re/config.yml",
    baseDir: "/etc/re",
    kinds: KINDS,
  });
  return permissionFlags(configPermissions(config, { defaultConfigFile: "reverse_exporter.yml" }));
}

Deno.test("every kind of exporter and listener declares exactly what it needs", () => {
  const flags = flagsOf(`
web:
  listen:
    - tcp://0.0.0.0:9998
    - tcp://[::1]:9998
    - tcps://127.0.0.1:9443?tlscert=tls/server.crt&tlskey=tls/server.key&tlsclientca=tls/ca.crt
    - unix:///run/re/plain.sock
    - unixs://secure.sock?tlscert=/etc/tls/s.crt&tlskey=/etc/tls/s.key
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
        - {name: node_again, address: "http://127.0.0.1:9100/other"}
        - {name: tls, address: "https://exporter.example:8443/metrics", tls: {ca_file: ca.crt, cert_file: c.crt, key_file: c.key}}
        - {name: default_port, address: "http://[::1]/metrics"}
        - {name: socket, address: "http://localhost/metrics", unix_socket: /run/node.sock}
      file:
        - {name: cron, path: cron.prom}
      exec:
        - {name: script, command: ./script.sh}
        - {name: bare, command: python3, args: [x.py]}
      exec_cached:
        - {name: cached, command: /usr/local/bin/slow.sh, exec_interval: 30s}
`);
  assertEquals(flags, [
    "--allow-net=0.0.0.0:9998,[::1]:9998,127.0.0.1:9443,unix:/run/re/plain.sock," +
    "unix:/etc/re/secure.sock,127.0.0.1:9100,exporter.example:8443,[::1]:80,localhost:80," +
    "unix:/run/node.sock",
    // TLS files, and their folders, watched for renewals.
    "--allow-read=/etc/re/config.yml,/etc/re/tls/server.crt,/etc/re/tls/server.key,/etc/re/tls/ca.crt," +
    "/etc/re/tls,/run/re/plain.sock,/etc/re/secure.sock,/etc/tls/s.crt,/etc/tls/s.key,/etc/tls," +
    "/etc/re/ca.crt,/etc/re/c.crt,/etc/re/c.key,/etc/re," +
    // The system's CA certificates, for the https exporter: where Go looks for them on Linux.
    "/etc/ssl/certs/ca-certificates.crt,/etc/pki/tls/certs/ca-bundle.crt,/etc/ssl/ca-bundle.pem," +
    "/etc/pki/tls/cacert.pem,/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem,/etc/ssl/cert.pem," +
    "/etc/ssl/certs,/etc/pki/tls/certs," +
    "/run/node.sock,/etc/re/cron.prom",
    "--allow-write=/run/re/plain.sock,/etc/re/secure.sock,/run/node.sock",
    "--allow-run=/etc/re/script.sh,python3,/usr/local/bin/slow.sh",
    "--allow-env=SSL_CERT_FILE,SSL_CERT_DIR",
  ]);
});

Deno.test("the embedded default needs its listener and a look for the default file", () => {
  const needed = configPermissions(EMBEDDED_CONFIG, { defaultConfigFile: "reverse_exporter.yml" });
  assertEquals(permissionArgs(needed), [
    "--allow-net=[::]:9998",
    "--allow-read=reverse_exporter.yml",
  ]);
  assertEquals(needed.map((n) => n.neededBy), [
    "listener tcp://[::]:9998",
    "the configuration file",
  ]);
});

Deno.test("paths with characters a shell would read are quoted as one word", () => {
  assertEquals(
    flagsOf(
      `reverse_exporters: [{path: /m, exporters: {file: [{name: f, path: "my metrics.prom"}]}}]`,
    ),
    ["--allow-net=[::]:9998", "'--allow-read=/etc/re/config.yml,/etc/re/my metrics.prom'"],
  );
});
