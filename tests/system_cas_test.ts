/**
 * https exporters trust the system's CA certificates as Go did: SSL_CERT_FILE and SSL_CERT_DIR
 * (and the system's places when they are not set), besides `tls.ca_file`. The real server as
 * a subprocess with exactly its printed flags, a real https exporter, certificates by openssl.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import { installed, runProgram, ServerProcess, tempDir, valueOf } from "./_server.ts";

const hasOpenssl = await installed("openssl");
const SKIP = hasOpenssl ? "" : " (skipped: openssl not installed)";

/** An https exporter on 127.0.0.1 with the certificate and key given. */
function serveHttps(
  cert: string,
  key: string,
): Promise<AsyncDisposable & { url: string }> {
  return new Promise((resolve) => {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        cert: Deno.readTextFileSync(cert),
        key: Deno.readTextFileSync(key),
        onListen: ({ port }) =>
          resolve({
            url: `https://127.0.0.1:${port}`,
            [Symbol.asyncDispose]: () => server.shutdown(),
          }),
      },
      () => new Response("tls_exporter_metric 1\n", { headers: { "Content-Type": "text/plain" } }),
    );
  });
}

Deno.test({
  name:
    `an https exporter signed by a CA of SSL_CERT_FILE or SSL_CERT_DIR is scraped without ca_file${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    await using exporter = await serveHttps(certs.serverCert, certs.serverKey);
    const file = `${dir.path}/reverse_exporter.yml`;
    await Deno.writeTextFile(
      file,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: tls, address: "${exporter.url}/metrics"}]
`,
    );
    await Deno.mkdir(`${dir.path}/cas`);
    await Deno.copyFile(certs.caCert, `${dir.path}/cas/test_ca.pem`);
    await Deno.writeTextFile(`${dir.path}/cas/README`, "not a certificate\n");
    await Deno.writeTextFile(`${dir.path}/empty.pem`, "");

    /**
     * The server started with exactly the flags it prints under `env`, and its scrape. `env`
     * sets both variables: the machine's own may be set (an empty one is unset, as in Go).
     */
    async function scrapeWith(env: Record<string, string>) {
      const printed = await runProgram(["--config-file", file, "--print-permissions"], {
        cwd: dir.path,
        env,
        permissions: ["--no-prompt", `--allow-read=${dir.path}`, "--allow-env"],
      });
      assertEquals(printed.code, 0, printed.stderr);
      const flags = printed.stdout.trim().split(" ");
      await using server = await ServerProcess.start(["--config-file", file], {
        cwd: dir.path,
        env,
        permissions: ["--no-prompt", ...flags],
      });
      const response = await fetch(server.url("/metrics"));
      const text = await response.text();
      return { flags, text, logs: server.logs };
    }

    await t.step("SSL_CERT_FILE: trusted, and read with exactly the printed grants", async () => {
      const { flags, text } = await scrapeWith({ SSL_CERT_FILE: certs.caCert, SSL_CERT_DIR: "" });
      assert(flags.includes("--allow-env=SSL_CERT_FILE,SSL_CERT_DIR"), flags.join(" "));
      const read = flags.find((f) => f.startsWith("--allow-read="))!;
      assertStringIncludes(read, `,${certs.caCert},/etc/ssl/certs,/etc/pki/tls/certs`);
      assert(!read.includes("/etc/ssl/certs/ca-certificates.crt"), "SSL_CERT_FILE replaces it");
      assertEquals(valueOf(text, 'reverse_exporter_backend_up{exporter_name="tls"}'), 1, text);
      assertEquals(valueOf(text, 'tls_exporter_metric{exporter_name="tls"}'), 1);
    });
    await t.step("SSL_CERT_DIR (folders separated by ':'): trusted", async () => {
      const { flags, text } = await scrapeWith({
        SSL_CERT_FILE: `${dir.path}/empty.pem`,
        SSL_CERT_DIR: `${dir.path}/missing:${dir.path}/cas`,
      });
      assertStringIncludes(flags.join(" "), `,${dir.path}/missing,${dir.path}/cas`);
      assertEquals(valueOf(text, 'reverse_exporter_backend_up{exporter_name="tls"}'), 1, text);
    });
    await t.step("neither: the exporter is down, its certificate's issuer unknown", async () => {
      const { text, logs } = await scrapeWith({
        SSL_CERT_FILE: `${dir.path}/empty.pem`,
        SSL_CERT_DIR: "",
      });
      assertEquals(valueOf(text, 'reverse_exporter_backend_up{exporter_name="tls"}'), 0, text);
      const failure = logs.find((l) => l.msg === "exporter scrape failed");
      assertEquals(failure?.["cause"], "connect", JSON.stringify(logs));
      assertStringIncludes(String(failure?.["error"]), "UnknownIssuer");
    });
  },
});
