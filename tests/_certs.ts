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
  /** The same client, signed by the CA, valid only from 2099 on. */
  readonly futureClientCert: string;
  /** The same client, signed by the CA: X.509 version 1 (no extensions file). */
  readonly v1ClientCert: string;
  /** The same client, signed by the CA: version 3 without extended key usage. */
  readonly noEkuClientCert: string;
  /** The same client, signed by the CA, extended key usage anyExtendedKeyUsage. */
  readonly anyEkuClientCert: string;
  /** The same client, signed by the CA, extended key usage serverAuth only. */
  readonly serverAuthClientCert: string;
  /** The client, signed by an intermediate CA signed by the CA: both, in one PEM file. */
  readonly intermediateChain: string;
  /** The client, signed by an intermediate CA limited to serverAuth: both, in one PEM file. */
  readonly serverAuthIntermediateChain: string;
  /** A key that is not the client's. */
  readonly otherClientKey: string;
}

/** Extensions files by name; an empty name signs without one (X.509 version 1). */
const EXTENSIONS: Readonly<Record<string, string>> = {
  server: "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  client: "extendedKeyUsage=clientAuth\n",
  no_eku: "basicConstraints=CA:FALSE\n",
  any_eku: "extendedKeyUsage=anyExtendedKeyUsage\n",
  server_auth: "extendedKeyUsage=serverAuth\n",
  inter: "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n",
  inter_sa: "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n" +
    "extendedKeyUsage=serverAuth\n",
};

/** What is signed: [request, certificate, issuer, extensions ("" for none: version 1)]. */
const SIGNINGS = [
  ["server", "server.crt", "ca", "server"],
  ["client", "client.crt", "ca", "client"],
  ["client", "other_ca_client.crt", "other_ca", "client"],
  ["client", "v1_client.crt", "ca", ""],
  ["client", "no_eku_client.crt", "ca", "no_eku"],
  ["client", "any_eku_client.crt", "ca", "any_eku"],
  ["client", "server_auth_client.crt", "ca", "server_auth"],
  ["inter", "inter.crt", "ca", "inter"],
  ["inter_sa", "inter_sa.crt", "ca", "inter_sa"],
  ["client", "inter_client.crt", "inter", "client"],
  ["client", "inter_sa_client.crt", "inter_sa", "client"],
] as const;

/** Makes a set of certificates in `dir` (EC P-256 keys: quick to make). */
export async function makeCertificates(dir: string): Promise<Certificates> {
  const at = (name: string) => `${dir}/${name}`;
  const keys = ["ca", "other_ca", "server", "other", "client", "other_client", "inter", "inter_sa"];
  for (const name of keys) {
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
  for (const [name, text] of Object.entries(EXTENSIONS)) {
    await Deno.writeTextFile(at(`${name}.ext`), text);
  }
  const subjects = [
    ["server", "localhost"],
    ["client", "scraper"],
    ["inter", "intermediate CA"],
    ["inter_sa", "serverAuth intermediate CA"],
  ];
  for (const [name, subject] of subjects) {
    await openssl([
      ...["req", "-new", "-key", at(`${name}.key`), "-out", at(`${name}.csr`)],
      ...["-subj", `/CN=${subject}`],
    ]);
  }
  for (const [i, [csr, out, issuer, ext]] of SIGNINGS.entries()) {
    await openssl([
      ...["x509", "-req", "-in", at(`${csr}.csr`), "-out", at(out), "-days", "2"],
      ...["-CA", at(`${issuer}.crt`), "-CAkey", at(`${issuer}.key`)],
      ...["-set_serial", String(i + 1), ...(ext ? ["-extfile", at(`${ext}.ext`)] : [])],
    ]);
  }
  for (const name of ["inter", "inter_sa"]) {
    const chain = await Deno.readTextFile(at(`${name}_client.crt`)) +
      await Deno.readTextFile(at(`${name}.crt`));
    await Deno.writeTextFile(at(`${name}_chain.pem`), chain);
  }
  await signForDates(dir, "expired_client.crt", ["20200101000000Z", "20200131000000Z"]);
  await signForDates(dir, "future_client.crt", ["20990101000000Z", "20991231000000Z"]);
  return {
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    otherKey: at("other.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    otherCaClientCert: at("other_ca_client.crt"),
    expiredClientCert: at("expired_client.crt"),
    futureClientCert: at("future_client.crt"),
    v1ClientCert: at("v1_client.crt"),
    noEkuClientCert: at("no_eku_client.crt"),
    anyEkuClientCert: at("any_eku_client.crt"),
    serverAuthClientCert: at("server_auth_client.crt"),
    intermediateChain: at("inter_chain.pem"),
    serverAuthIntermediateChain: at("inter_sa_chain.pem"),
    otherClientKey: at("other_client.key"),
  };
}

/** Serial numbers of the certificates {@linkcode signClient} makes. */
let serial = 1000;

/**
 * Signs, in a `dir` where {@linkcode makeCertificates} made its certificates, the client's
 * request (its key: `clientKey`) with `issuer` (`ca` or `other_ca`) and the extensions of
 * `extensions` (an openssl extensions file's lines) into `name`.crt; returns its path.
 */
export async function signClient(
  dir: string,
  name: string,
  options: { extensions: string; issuer?: "ca" | "other_ca" },
): Promise<string> {
  const issuer = options.issuer ?? "ca";
  await Deno.writeTextFile(`${dir}/${name}.ext`, options.extensions);
  await openssl([
    ...["x509", "-req", "-in", `${dir}/client.csr`, "-out", `${dir}/${name}.crt`, "-days", "2"],
    ...["-CA", `${dir}/${issuer}.crt`, "-CAkey", `${dir}/${issuer}.key`],
    ...["-set_serial", String(serial++), "-extfile", `${dir}/${name}.ext`],
  ]);
  return `${dir}/${name}.crt`;
}

/**
 * Signs the client's request (clientAuth) for the dates `[start, end]` only, into `out`.
 * `openssl x509` (3.0) cannot set a start date, `openssl ca` can: it wants a CA directory.
 */
async function signForDates(dir: string, out: string, [start, end]: string[]): Promise<void> {
  const db = `${dir}/ca_db_${out}`;
  await Deno.mkdir(db);
  await Deno.writeTextFile(`${db}/index.txt`, "");
  await Deno.writeTextFile(`${db}/serial`, "40\n");
  await Deno.writeTextFile(
    `${db}/ca.cnf`,
    [
      "[ca]",
      "default_ca = test_ca",
      "[test_ca]",
      `database = ${db}/index.txt`,
      `new_certs_dir = ${db}`,
      `serial = ${db}/serial`,
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
    ...["ca", "-batch", "-notext", "-config", `${db}/ca.cnf`, "-extensions", "client"],
    ...["-cert", `${dir}/ca.crt`, "-keyfile", `${dir}/ca.key`, "-in", `${dir}/client.csr`],
    ...["-out", `${dir}/${out}`, "-startdate", start!, "-enddate", end!],
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
