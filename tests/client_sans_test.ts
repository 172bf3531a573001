/**
 * `auth.tls_client_allowed_sans` (issue 16, item 1): on a path and on `web.auth`, only a client
 * whose verified certificate has one of the SANs is served, matched as exporter-toolkit matches
 * `client_allowed_sans`. The real server as a subprocess, certificates made by openssl, real
 * TLS clients.
 */
import { assertEquals, assertStringIncludes, assertThrows } from "./_assert.ts";
import { makeCertificates, signClient } from "./_certs.ts";
import { installed, runProgram, startServer, tempDir } from "./_server.ts";
import { ipAsGoPrints } from "../src/server/client_sans.ts";
import { ConfigError, validateConfig } from "../src/config/validate.ts";
import { KINDS } from "../src/exporters/mod.ts";
import { parseYaml } from "../src/std/yaml.ts";

const hasOpenssl = await installed("openssl");
const SKIP = hasOpenssl ? "" : " (skipped: openssl not installed)";

/** The status of a GET of `url`, presenting the client certificate `cert` if given. */
async function statusOf(
  url: string,
  options: { ca: string; cert?: string; key: string; authorization?: string },
): Promise<number> {
  const read = (path: string) => Deno.readTextFileSync(path);
  using client = Deno.createHttpClient({
    caCerts: [read(options.ca)],
    ...(options.cert === undefined ? {} : { cert: read(options.cert), key: read(options.key) }),
  });
  const response = await fetch(url, {
    client,
    signal: AbortSignal.timeout(10_000),
    headers: options.authorization === undefined ? {} : { authorization: options.authorization },
  });
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name: `tls_client_allowed_sans: only a certificate with an allowed SAN is served${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const d = dir.path;
    const certs = await makeCertificates(d);
    const sign = (name: string, sans: string) =>
      signClient(d, name, { extensions: `extendedKeyUsage=clientAuth\nsubjectAltName=${sans}\n` });
    const clients: Record<string, string> = {
      dns: await sign("dns", "DNS:scraper.example,email:ops@example.org"),
      // Written long and mapped: Go prints them 2001:db8::1 and 10.0.0.7. The URI's scheme
      // in capitals: Go prints it in lower case.
      ip: await sign("ip", "IP:2001:db8:0:0:0:0:0:1,IP:::ffff:10.0.0.7,URI:SPIFFE://example.org/a"),
      upper: await sign("upper", "DNS:Scraper.example"),
      other: await sign("other", "DNS:other.example"),
      // Signed by another CA: refused in the handshake, whatever its SANs.
      foreign: await signClient(d, "foreign", {
        extensions: "extendedKeyUsage=clientAuth\nsubjectAltName=DNS:scraper.example\n",
        issuer: "other_ca",
      }),
      none: certs.clientCert,
    };
    await Deno.writeTextFile(`${d}/data.prom`, "san_metric 1\n");
    const file = { file: [{ name: "f", path: "data.prom" }] };
    const paths: Record<string, unknown> = {
      "/dns": { tls_client_allowed_sans: ["scraper.example", "not.this.one"] },
      "/email": { tls_client_allowed_sans: ["ops@example.org"] },
      "/ip": { tls_client_allowed_sans: ["2001:db8::1"] },
      "/mapped": { tls_client_allowed_sans: ["10.0.0.7"] },
      "/uri": { tls_client_allowed_sans: ["spiffe://example.org/a"] },
      "/both": {
        tls_client_allowed_sans: ["scraper.example"],
        basic_auth: [{ username: "u", password: "p" }],
      },
      "/open": undefined,
    };
    const config = {
      web: {
        listen: [
          "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key&tlsclientca=ca.crt",
          "tcp://127.0.0.1:0",
        ],
        auth: { tls_client_allowed_sans: ["2001:db8::1"] },
      },
      reverse_exporters: Object.entries(paths).map(([path, auth]) => ({
        path,
        ...(auth === undefined ? {} : { auth }),
        exporters: file,
      })),
    };
    await using server = await startServer(d, JSON.stringify(config));
    assertEquals(server.bound.length, 2, JSON.stringify(server.logs));
    const tls = `https://${server.bound[0]}`;
    const get = (client: string, path: string, authorization?: string) =>
      statusOf(`${tls}${path}`, {
        ca: certs.caCert,
        ...(client === "anonymous" ? {} : { cert: clients[client]! }),
        key: certs.clientKey,
        ...(authorization === undefined ? {} : { authorization }),
      }).catch((error) => `refused: ${error.message}`);

    await t.step(
      "each path serves the clients with one of its SANs, 403 to the others",
      async () => {
        const routes = ["/dns", "/email", "/ip", "/mapped", "/uri", "/open", "/", "/-/metrics"];
        const seen: Record<string, string> = {};
        for (const client of ["dns", "ip", "upper", "other", "none"]) {
          const statuses = [];
          for (const route of routes) statuses.push(`${route}=${await get(client, route)}`);
          seen[client] = statuses.join(" ");
        }
        assertEquals(seen, {
          dns: "/dns=200 /email=200 /ip=403 /mapped=403 /uri=403 /open=200 /=403 /-/metrics=403",
          ip: "/dns=403 /email=403 /ip=200 /mapped=200 /uri=200 /open=200 /=200 /-/metrics=200",
          // Matched exactly, as Go does: a DNS name in other capitals is another name.
          upper: "/dns=403 /email=403 /ip=403 /mapped=403 /uri=403 /open=200 /=403 /-/metrics=403",
          other: "/dns=403 /email=403 /ip=403 /mapped=403 /uri=403 /open=200 /=403 /-/metrics=403",
          none: "/dns=403 /email=403 /ip=403 /mapped=403 /uri=403 /open=200 /=403 /-/metrics=403",
        });
      },
    );

    await t.step(
      "the 403 says which SANs the certificate has, and /-/healthy stays open",
      async () => {
        const read = (path: string) => Deno.readTextFileSync(path);
        using client = Deno.createHttpClient({
          caCerts: [read(certs.caCert)],
          cert: read(clients["other"]!),
          key: read(certs.clientKey),
        });
        const refused = await fetch(`${tls}/dns`, { client });
        assertEquals(refused.status, 403);
        assertEquals(
          await refused.text(),
          "Forbidden: the client certificate's SANs (other.example) are not among those allowed\n",
        );
        const healthy = await fetch(`${tls}/-/healthy`, { client });
        assertEquals([healthy.status, await healthy.text()], [200, "Healthy.\n"]);
      },
    );

    await t.step("with basic_auth too, both are needed: 403 first, then 401", async () => {
      const right = `Basic ${btoa("u:p")}`;
      const wrong = `Basic ${btoa("u:x")}`;
      assertEquals(await get("dns", "/both", right), 200);
      assertEquals(await get("dns", "/both", wrong), 401);
      assertEquals(await get("dns", "/both"), 401);
      assertEquals(await get("other", "/both", right), 403);
    });

    await t.step("a certificate of another CA is refused in the handshake", async () => {
      assertStringIncludes(String(await get("foreign", "/dns")), "refused");
    });

    await t.step("on a listener without tlsclientca, no client has a verified SAN", async () => {
      const plain = `http://${server.bound[1]}`;
      const statuses = [];
      for (const route of ["/dns", "/ip", "/open", "/", "/-/healthy"]) {
        const response = await fetch(`${plain}${route}`);
        await response.body?.cancel();
        statuses.push(`${route}=${response.status}`);
      }
      assertEquals(statuses.join(" "), "/dns=403 /ip=403 /open=200 /=403 /-/healthy=200");
    });
  },
});

function validate(yaml: string) {
  return validateConfig(parseYaml(yaml), {
    file: "/etc/re/config.yml",
    baseDir: "/etc/re",
    kinds: KINDS,
  });
}

Deno.test("tls_client_allowed_sans without a listener asking for client certificates is an error naming both", () => {
  const error = assertThrows(
    () =>
      validate(`
web:
  listen: ["tcp://127.0.0.1:9998", "tcps://127.0.0.1:9443?tlscert=s.crt&tlskey=s.key"]
  auth: {tls_client_allowed_sans: [admin.example]}
reverse_exporters:
  - path: /metrics
    auth: {tls_client_allowed_sans: [scraper.example]}
`),
    ConfigError,
  );
  const why = "needs a listener that asks for client certificates, and no web.listen entry has " +
    "tlsclientca=: add one to a tcps:// or unixs:// listener";
  assertEquals(error.message.split("\n"), [
    `/etc/re/config.yml: web.auth.tls_client_allowed_sans: ${why}`,
    `/etc/re/config.yml: reverse_exporters[0].auth.tls_client_allowed_sans: ${why}`,
  ]);
});

Deno.test("tls_client_allowed_sans: an empty list, an empty name or an IP address Go would print otherwise is an error", () => {
  const error = assertThrows(
    () =>
      validate(`
web:
  listen: ["tcps://127.0.0.1:9443?tlscert=s.crt&tlskey=s.key&tlsclientca=ca.crt"]
  auth: {tls_client_allowed_sans: []}
reverse_exporters:
  - path: /metrics
    auth: {tls_client_allowed_sans: ["", "2001:DB8::1", "::ffff:10.0.0.7", "2001:db8::1", a.example]}
`),
    ConfigError,
  );
  assertEquals(error.message.split("\n"), [
    "/etc/re/config.yml: web.auth.tls_client_allowed_sans: must list at least one SAN (a DNS name, IP address, email or URI)",
    "/etc/re/config.yml: reverse_exporters[0].auth.tls_client_allowed_sans[0]: is empty",
    "/etc/re/config.yml: reverse_exporters[0].auth.tls_client_allowed_sans[1]: write this IP address as 2001:db8::1, or it can never match",
    "/etc/re/config.yml: reverse_exporters[0].auth.tls_client_allowed_sans[2]: write this IP address as 10.0.0.7, or it can never match",
  ]);
  const config = validate(`
web:
  listen: ["tcps://127.0.0.1:9443?tlscert=s.crt&tlskey=s.key&tlsclientca=ca.crt"]
reverse_exporters:
  - path: /metrics
    auth: {tls_client_allowed_sans: ["2001:db8::1", spiffe://example.org/a]}
`);
  assertEquals(config.reverseExporters[0]?.auth, {
    basicAuth: [],
    tlsClientAllowedSans: ["2001:db8::1", "spiffe://example.org/a"],
  });
});

Deno.test("--check-config names both keys", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(
    file,
    `
web: {listen: ["tcp://127.0.0.1:9998"]}
reverse_exporters:
  - path: /metrics
    auth: {tls_client_allowed_sans: [scraper.example]}
`,
  );
  const { code, stderr } = await runProgram(["--config-file", file, "--check-config"], {
    permissions: ["--no-prompt", `--allow-read=${dir.path}`],
  });
  assertEquals(code, 1);
  assertStringIncludes(
    stderr,
    "reverse_exporters[0].auth.tls_client_allowed_sans: needs a listener",
  );
  assertStringIncludes(stderr, "no web.listen entry has tlsclientca=");
});

Deno.test("IP addresses are matched as Go's net.IP.String prints them", () => {
  assertEquals(
    [
      "10.0.0.7",
      "2001:DB8:0:0:0:0:0:1",
      "::ffff:10.0.0.7",
      "1:0:0:1:0:0:0:1",
      "1:0:0:1:1:0:0:1",
      "1:0:1:0:1:0:1:0",
      "::",
      "fe80::1%eth0",
      "256.0.0.1",
      "scraper.example",
      "spiffe://example.org/a",
    ].map(ipAsGoPrints),
    [
      "10.0.0.7",
      "2001:db8::1",
      "10.0.0.7",
      "1:0:0:1::1",
      "1::1:1:0:0:1",
      "1:0:1:0:1:0:1:0",
      "::",
      undefined,
      undefined,
      undefined,
      undefined,
    ],
  );
});
