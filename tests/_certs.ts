/** Test certificates, made with `openssl` at test time: a CA, a server and several clients. */

/** The PEM files of {@linkcode makeCertificates}, as absolute paths. */
export interface Certificates {
  /** The CA that signs the server and the accepted clients. */
  readonly caCert: string;
  /** For 127.0.0.1, ::1 and localhost; signed by the CA. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A key that is not the server certificate's. */
  readonly otherKey: string;
  /** Signed by the CA, with the clientAuth extended key usage. */
  readonly clientCert: string;
  /** The key of every client certificate. */
  readonly clientKey: string;
  /** The same client, signed by another CA. */
  readonly otherCaClientCert: string;
  /** The same client, signed by the CA, valid only in January 2020. */
  readonly expiredClientCert: string;
}

/** Makes a set of certificates in `dir` (EC P-256 keys: quick to make). */
export async function makeCertificates(dir: string): Promise<Certificates> {
  const at = (name: string) => `${dir}/${name}`;
  for (const name of ["ca", "other_ca", "server", "other", "client"]) {
    await openssl([
      ...["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      ...["-out", at(`${name}.key`)],
    ]);
  }
  for (const [name, subject] of [["ca", "reverse_exporter test CA"], ["other_ca", "another CA"]]) {
    await openssl([
      ...["req", "-x509", "-new", "-key", at(`${name}.key`), "-out", at(`${name}.crt`)],
      ...["-days", "2", "-subj", `/CN=${subject}`],
      ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ]);
  }
  await Deno.writeTextFile(
    at("server.ext"),
    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  await Deno.writeTextFile(at("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, subject] of [["server", "localhost"], ["client", "scraper"]]) {
    await openssl([
      ...["req", "-new", "-key", at(`${name}.key`), "-out", at(`${name}.csr`)],
      ...["-subj", `/CN=${subject}`],
    ]);
  }
  const signings = [
    ["server", "server.crt", "ca", "server.ext"],
    ["client", "client.crt", "ca", "client.ext"],
    ["client", "other_ca_client.crt", "other_ca", "client.ext"],
  ];
  for (const [i, [csr, out, issuer, ext]] of signings.entries()) {
    await openssl([
      ...["x509", "-req", "-in", at(`${csr}.csr`), "-out", at(out!), "-days", "2"],
      ...["-CA", at(`${issuer}.crt`), "-CAkey", at(`${issuer}.key`)],
      ...["-set_serial", String(i + 1), "-extfile", at(ext!)],
    ]);
  }
  await signExpired(dir);
  return {
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    otherKey: at("other.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    otherCaClientCert: at("other_ca_client.crt"),
    expiredClientCert: at("expired_client.crt"),
  };
}

/**
 * Signs the client's request for January 2020 only. `openssl x509` (3.0) cannot set a
 * start date in the past, `openssl ca` can: it wants a small CA directory.
 */
async function signExpired(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/ca_db`);
  await Deno.writeTextFile(`${dir}/ca_db/index.txt`, "");
  await Deno.writeTextFile(`${dir}/ca_db/serial`, "04\n");
  await Deno.writeTextFile(
    `${dir}/ca.cnf`,
    [
      "[ca]",
      "default_ca = test_ca",
      "[test_ca]",
      `database = ${dir}/ca_db/index.txt`,
      `new_certs_dir = ${dir}/ca_db`,
      `serial = ${dir}/ca_db/serial`,
      "default_md = sha256",
      "policy = any_name",
      "unique_subject = no",
      "[any_name]",
      "commonName = supplied",
      "[client]",
      "extendedKeyUsage = clientAuth",
      "",
    ].join("\n"),
  );
  await openssl([
    ...["ca", "-batch", "-notext", "-config", `${dir}/ca.cnf`, "-extensions", "client"],
    ...["-cert", `${dir}/ca.crt`, "-keyfile", `${dir}/ca.key`, "-in", `${dir}/client.csr`],
    ...["-out", `${dir}/expired_client.crt`],
    ...["-startdate", "20200101000000Z", "-enddate", "20200131000000Z"],
  ]);
}

async function openssl(args: readonly string[]): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`openssl ${args.join(" ")}: exit ${output.code}: ${stderr}`);
  }
}
