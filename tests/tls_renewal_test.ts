/**
 * Certificates that renew themselves (issue 16, item 2): a listener's certificate, key and
 * client CA, and an http exporter's client TLS files, are read again when they change on disk
 * (replaced by rename) and on SIGHUP, without a restart and without dropping open connections;
 * a broken new file keeps the old material and is logged. The real server as a subprocess,
 * certificates made by openssl, real TLS clients and servers.
 */
import { createServer as createHttpsServer } from "node:https";
import { connect, type TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { type Certificates, makeCertificates } from "./_certs.ts";
import {
  eventually,
  installed,
  type LogLine,
  printedFlags,
  scrape,
  ServerProcess,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

const hasOpenssl = await installed("openssl");
const SKIP = hasOpenssl ? "" : " (skipped: openssl not installed)";

/** Two sets of certificates, each of its own CA, and the folder the server reads its own from. */
async function makeSets(dir: string): Promise<{ a: Certificates; b: Certificates; tls: string }> {
  for (const name of ["a", "b", "tls"]) await Deno.mkdir(`${dir}/${name}`);
  return {
    a: await makeCertificates(`${dir}/a`),
    b: await makeCertificates(`${dir}/b`),
    tls: `${dir}/tls`,
  };
}

/** Replaces `target` with a copy of `source` as renewals do: written aside, then renamed over. */
async function renameOver(target: string, source: string): Promise<void> {
  const aside = `${target.slice(0, target.lastIndexOf("/"))}/.renewing`;
  await Deno.copyFile(source, aside);
  await Deno.rename(aside, target);
}

function fingerprint(file: string): string {
  return new X509Certificate(Deno.readTextFileSync(file)).fingerprint256;
}

/** The fingerprint of the certificate the TLS listener at `hostPort` presents to a new client. */
function servedFingerprint(
  hostPort: string,
  client: { cert?: string; key?: string } = {},
): Promise<string> {
  const [host, port] = hostPort.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(port),
      rejectUnauthorized: false,
      ...(client.cert === undefined ? {} : { cert: Deno.readTextFileSync(client.cert) }),
      ...(client.key === undefined ? {} : { key: Deno.readTextFileSync(client.key) }),
    }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** One HTTP/1.1 keep-alive connection over TLS, sending requests one after the other. */
class KeepAliveClient implements Disposable {
  readonly #socket: TLSSocket;
  #received = "";
  #closed = false;

  private constructor(socket: TLSSocket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.#received += chunk);
    socket.on("close", () => this.#closed = true);
    socket.on("error", () => {});
  }

  static open(hostPort: string, ca: string): Promise<KeepAliveClient> {
    const [host, port] = hostPort.split(":") as [string, string];
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port: Number(port),
        ca: Deno.readTextFileSync(ca),
        servername: "localhost",
      }, () => resolve(new KeepAliveClient(socket)));
      socket.once("error", reject);
    });
  }

  /** The fingerprint of the server's certificate on this connection. */
  get peerFingerprint(): string {
    return this.#socket.getPeerCertificate().fingerprint256;
  }

  /** GETs `/-/healthy` on this connection; resolves with the whole response. */
  async healthy(): Promise<string> {
    this.#received = "";
    this.#socket.write("GET /-/healthy HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await eventually("the answer on the open connection", () => {
      if (this.#closed) throw new Error(`connection closed; received: ${this.#received}`);
      return this.#received.endsWith("Healthy.\n");
    });
    return this.#received;
  }

  [Symbol.dispose](): void {
    this.#socket.destroy();
  }
}

function renewalLogs(server: ServerProcess): LogLine[] {
  return server.logs.filter((l) => l.msg.startsWith("TLS files"));
}

const LISTENER = "tcps://127.0.0.1:0?tlscert=tls/server.crt&tlskey=tls/server.key";

/**
 * Certificate sets A and B, and the server on {@linkcode LISTENER} with A's certificate and key
 * (and CA as `tlsclientca`, with `clientCa`) in tls/; with `linked`, tls/ has links to them in
 * store/, a folder that is not watched.
 */
async function startListener(dir: string, options: { clientCa?: boolean; linked?: boolean } = {}) {
  const sets = await makeSets(dir);
  const files = options.linked ? `${dir}/store` : sets.tls;
  if (options.linked) await Deno.mkdir(files);
  const names = ["server.crt", "server.key", ...(options.clientCa ? ["ca.crt"] : [])];
  const sources = [sets.a.serverCert, sets.a.serverKey, sets.a.caCert];
  for (const [i, name] of names.entries()) {
    await Deno.copyFile(sources[i]!, `${files}/${name}`);
    if (options.linked) await Deno.symlink(`${files}/${name}`, `${sets.tls}/${name}`);
  }
  const listener = options.clientCa ? `${LISTENER}&tlsclientca=tls/ca.crt` : LISTENER;
  const server = await startServer(dir, `web: {listen: ["${listener}"]}\nreverse_exporters: []\n`);
  return {
    ...sets,
    /** Where the files are: tls/, or store/ when linked. */
    files,
    server,
    bound: server.bound[0]!,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

Deno.test({
  name:
    `a listener's certificate renewed by rename: new connections get it, open ones go on${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    await using listener = await startListener(dir.path);
    const { a, b, tls, server, bound } = listener;
    assertEquals(await servedFingerprint(bound), fingerprint(a.serverCert));
    using open = await KeepAliveClient.open(bound, a.caCert);
    assertStringIncludes(await open.healthy(), "HTTP/1.1 200 OK");

    await t.step("both files renamed over: new connections get the new certificate", async () => {
      await renameOver(`${tls}/server.crt`, b.serverCert);
      await renameOver(`${tls}/server.key`, b.serverKey);
      await eventually(
        "a new connection gets the new certificate",
        async () => await servedFingerprint(bound) === fingerprint(b.serverCert),
      );
      assertEquals(
        renewalLogs(server).map((l) => [l.level, l.msg, l["listener"]]),
        [["info", "TLS files renewed", LISTENER]],
      );
    });

    await t.step(
      "the connection open before is not dropped, and keeps its certificate",
      async () => {
        assertStringIncludes(await open.healthy(), "HTTP/1.1 200 OK");
        assertEquals(open.peerFingerprint, fingerprint(a.serverCert));
        // A client trusting only the new CA is served on a new connection.
        using renewed = await KeepAliveClient.open(bound, b.caCert);
        assertStringIncludes(await renewed.healthy(), "HTTP/1.1 200 OK");
      },
    );
  },
});

Deno.test({
  name: `a broken new file keeps the material in use, and is logged naming the file${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    await using listener = await startListener(dir.path);
    const { a, b, tls, server, bound } = listener;
    const warnings = () =>
      renewalLogs(server).filter((l) => l.level === "warning").map((l) => String(l["error"]));

    await t.step("a certificate file that is not PEM", async () => {
      await Deno.writeTextFile(`${dir.path}/garbage`, "not a certificate\n");
      await renameOver(`${tls}/server.crt`, `${dir.path}/garbage`);
      await eventually("the refusal is logged", () => warnings().length === 1);
      assertEquals(warnings(), [
        `TLS certificate file ${tls}/server.crt: not a PEM certificate (no BEGIN CERTIFICATE block)`,
      ]);
      assertEquals(await servedFingerprint(bound), fingerprint(a.serverCert));
    });

    await t.step("a certificate whose key is not (yet) the one beside it", async () => {
      await renameOver(`${tls}/server.crt`, b.serverCert);
      await eventually("the refusal is logged", () => warnings().length === 2);
      assertEquals(
        warnings()[1],
        `TLS key file ${tls}/server.key does not match the certificate of TLS certificate file ` +
          `${tls}/server.crt`,
      );
      assertEquals(await servedFingerprint(bound), fingerprint(a.serverCert));
    });

    await t.step("its key arrives: renewed", async () => {
      await renameOver(`${tls}/server.key`, b.serverKey);
      await eventually(
        "a new connection gets the new certificate",
        async () => await servedFingerprint(bound) === fingerprint(b.serverCert),
      );
      assertEquals(renewalLogs(server).at(-1)?.msg, "TLS files renewed");
      assertEquals(renewalLogs(server).length, 3);
    });
  },
});

Deno.test({
  name: `SIGHUP renews a listener's certificate the watcher cannot see change${SKIP}`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    // The files are links into a folder that is not watched: only SIGHUP sees them change.
    await using listener = await startListener(dir.path, { linked: true });
    const { a, b, files: store, server, bound } = listener;
    await renameOver(`${store}/server.crt`, b.serverCert);
    await renameOver(`${store}/server.key`, b.serverKey);
    // Twice the settling time: a change the watcher saw would have been read by then.
    await new Promise((r) => setTimeout(r, 1_000));
    assertEquals(await servedFingerprint(bound), fingerprint(a.serverCert));
    assertEquals(renewalLogs(server), []);
    Deno.kill(server.pid, "SIGHUP");
    await eventually(
      "a new connection gets the new certificate",
      async () => await servedFingerprint(bound) === fingerprint(b.serverCert),
    );
    assertEquals(renewalLogs(server).map((l) => l.msg), ["TLS files renewed"]);
  },
});

Deno.test({
  name:
    `a renewed client CA: clients of the new CA are served, those of the old one refused${SKIP}`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    await using listener = await startListener(dir.path, { clientCa: true });
    const { a, b, tls, server, bound } = listener;
    const url = `https://${bound}/-/healthy`;
    const statusAs = async (client: Certificates): Promise<number | string> => {
      using http = Deno.createHttpClient({
        caCerts: [Deno.readTextFileSync(a.caCert)],
        cert: Deno.readTextFileSync(client.clientCert),
        key: Deno.readTextFileSync(client.clientKey),
      });
      try {
        const response = await fetch(url, { client: http, signal: AbortSignal.timeout(5_000) });
        await response.body?.cancel();
        return response.status;
      } catch {
        return "refused";
      }
    };
    assertEquals([await statusAs(a), await statusAs(b)], [200, "refused"]);
    await renameOver(`${tls}/ca.crt`, b.caCert);
    await eventually("a client of the new CA is served", async () => await statusAs(b) === 200);
    assertEquals(await statusAs(a), "refused");
    assertEquals(renewalLogs(server).map((l) => l.msg), ["TLS files renewed"]);
  },
});

/**
 * An https exporter asking for (not requiring) client certificates: records the fingerprint of
 * each one presented; holds a request while `hold` is set.
 */
async function httpsExporter(certs: Certificates) {
  const presented: string[] = [];
  let hold: Promise<void> | undefined;
  const server = createHttpsServer({
    cert: Deno.readTextFileSync(certs.serverCert),
    key: Deno.readTextFileSync(certs.serverKey),
    requestCert: true,
    rejectUnauthorized: false,
  }, async (request, response) => {
    const certificate = (request.socket as TLSSocket).getPeerCertificate();
    presented.push(certificate.fingerprint256 ?? "none");
    await hold;
    // A new connection for every scrape: each is made by the agents in use when it starts.
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4", Connection: "close" });
    response.end("renewal_metric 1\n");
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    presented,
    /** Holds the requests that come until the promise given resolves. */
    holdUntil(release: Promise<void>) {
      hold = release;
    },
    /** Presents `certs`' server certificate from now on, on new connections only. */
    serve(certs: Certificates) {
      server.setSecureContext({
        cert: Deno.readTextFileSync(certs.serverCert),
        key: Deno.readTextFileSync(certs.serverKey),
      });
      server.closeAllConnections();
    },
    [Symbol.asyncDispose]: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

Deno.test({
  name: `an http exporter's client TLS files renew: certificate, key and CA${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const { a, b, tls } = await makeSets(dir.path);
    await Deno.copyFile(a.caCert, `${tls}/ca.crt`);
    await Deno.copyFile(a.clientCert, `${tls}/client.crt`);
    await Deno.copyFile(a.clientKey, `${tls}/client.key`);
    await using exporter = await httpsExporter(a);
    const file = `${dir.path}/reverse_exporter.yml`;
    await Deno.writeTextFile(
      file,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: secure
          address: https://localhost:${exporter.port}/metrics
          tls: {ca_file: tls/ca.crt, cert_file: tls/client.crt, key_file: tls/client.key}
`,
    );
    // Exactly the printed flags: reading the files, and watching their folder.
    const flags = await printedFlags(file, dir.path, { permissions: ["--allow-env"] });
    assertStringIncludes(
      flags[1]!,
      `${tls}/ca.crt,${tls}/client.crt,${tls}/client.key,${tls},`,
    );
    await using server = await ServerProcess.start(["--config-file", file], {
      cwd: dir.path,
      permissions: ["--no-prompt", ...flags],
    });
    const up = async () =>
      valueOf(await scrape(server), 'reverse_exporter_backend_up{exporter_name="secure"}');
    assertEquals(await up(), 1);
    assertEquals(exporter.presented, [fingerprint(a.clientCert)]);

    await t.step("a new client certificate and key, renamed over", async () => {
      await renameOver(`${tls}/client.crt`, b.clientCert);
      await renameOver(`${tls}/client.key`, b.clientKey);
      await eventually("the renewal is logged", () => renewalLogs(server).length === 1);
      assertEquals(
        renewalLogs(server).map((l) => [l.msg, l["path"], l["exporter"]]),
        [["TLS files renewed", "/metrics", "secure"]],
      );
      assertEquals(await up(), 1);
      assertEquals(exporter.presented.at(-1), fingerprint(b.clientCert));
    });

    await t.step("a scrape in flight through the old agents is not dropped", async () => {
      const { promise: released, resolve: release } = Promise.withResolvers<void>();
      exporter.holdUntil(released);
      const requests = exporter.presented.length;
      const inFlight = up();
      await eventually("the exporter has the request", () => exporter.presented.length > requests);
      await renameOver(`${tls}/client.crt`, a.clientCert);
      await renameOver(`${tls}/client.key`, a.clientKey);
      await eventually("the renewal is logged", () => renewalLogs(server).length === 2);
      release();
      assertEquals(await inFlight, 1);
      assertEquals(await up(), 1);
      assertEquals(exporter.presented.at(-1), fingerprint(a.clientCert));
    });

    await t.step("a broken key keeps the certificate in use, and is logged", async () => {
      await Deno.writeTextFile(`${dir.path}/garbage`, "not a key\n");
      await renameOver(`${tls}/client.key`, `${dir.path}/garbage`);
      await eventually("the refusal is logged", () => renewalLogs(server).length === 3);
      const refusal = renewalLogs(server)[2]!;
      assertEquals([refusal.level, refusal.msg], [
        "warning",
        "TLS files not renewed: the ones in use stay",
      ]);
      assertEquals(
        refusal["error"],
        `TLS key file ${tls}/client.key: not a PEM private key (no BEGIN PRIVATE KEY block)`,
      );
      assertEquals(await up(), 1);
      assertEquals(exporter.presented.at(-1), fingerprint(a.clientCert));
      await renameOver(`${tls}/client.key`, a.clientKey);
    });

    await t.step("the exporter's certificate changes CA: trusted once ca_file renews", async () => {
      exporter.serve(b);
      assertEquals(await up(), 0);
      const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
      assertEquals(failure?.["cause"], "connect");
      await renameOver(`${tls}/ca.crt`, b.caCert);
      await eventually("the exporter is trusted again", async () => await up() === 1);
      assert(renewalLogs(server).at(-1)?.msg === "TLS files renewed");
    });
  },
});
