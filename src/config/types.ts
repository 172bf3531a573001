/** The configuration, parsed once into precise types: the rest of the program trusts it. */
import type { LabelSet } from "../exposition/model.ts";
import type { Fields, Mapping, SecretFile } from "./fields.ts";

export type { SecretFile };

/** The whole configuration of the program. */
export interface Config {
  /** Absolute path of the file it was read from; undefined for the embedded default. */
  readonly file: string | undefined;
  /** The `web` section. */
  readonly web: WebConfig;
  /** The entries of `reverse_exporters`, in file order, then those of the files included. */
  readonly reverseExporters: readonly PathConfig[];
  /** The entries of `include`, in file order. */
  readonly includes: readonly Include[];
  /** The secret files read (`password_file`, headers' `file`), each with a key naming it. */
  readonly secretFiles: readonly SecretFile[];
}

/** One entry of `include`: a glob of files holding `reverse_exporters` entries. */
export interface Include {
  /** The glob as written. */
  readonly pattern: string;
  /** What finding its files reads: the folder its glob walks, or the file it names. */
  readonly read: string;
  /** The files it matched, absolute, sorted. */
  readonly files: readonly string[];
}

/** The `web` section: where and how the program serves. */
export interface WebConfig {
  /** The entries of `web.listen`, in file order. */
  readonly listen: readonly ListenAddress[];
  /** How long a client may take to send its request headers; never 0 (0s in the file is 60 s). */
  readonly readHeaderTimeoutMs: number;
  /** "" or a prefix starting with "/" and not ending with "/". */
  readonly contextPath: string;
  /** `web.auth`: guards the landing page, `/-/metrics` and `/-/reload`; undefined: none. */
  readonly auth: AuthConfig | undefined;
  /** Workers that decode bodies and build answers; 0: the main thread does. */
  readonly engineWorkers: number;
  /** The most connections open at once on each listener; more are refused. */
  readonly maxConnections: number;
  /** The most bytes of bodies and script output held by scrapes in flight, process-wide. */
  readonly maxBytesInFlight: number;
}

/** TLS material of a `tcps://` or `unixs://` listener; absolute file paths. */
export interface ListenTls {
  /** The certificate chain (`tlscert=`). */
  readonly certFile: string;
  /** The private key (`tlskey=`). */
  readonly keyFile: string;
  /** The CA that client certificates must chain to (`tlsclientca=`); undefined: none asked for. */
  readonly clientCaFile: string | undefined;
}

/** One entry of `web.listen`. */
export type ListenAddress =
  | {
    readonly scheme: "tcp";
    readonly url: string;
    readonly hostname: string;
    readonly port: number;
  }
  | {
    readonly scheme: "tcps";
    readonly url: string;
    readonly hostname: string;
    readonly port: number;
    readonly tls: ListenTls;
  }
  | { readonly scheme: "unix"; readonly url: string; readonly path: string }
  | {
    readonly scheme: "unixs";
    readonly url: string;
    readonly path: string;
    readonly tls: ListenTls;
  };

/** One credential of a `basic_auth` list: a plain password or a bcrypt hash. */
export type BasicAuthCredential =
  | { readonly username: string; readonly password: string }
  | { readonly username: string; readonly passwordHash: string };

/** An `auth` section: a request must pass each check it has. */
export interface AuthConfig {
  /** The credentials accepted; any of them matching is enough. Empty: none asked for. */
  readonly basicAuth: readonly BasicAuthCredential[];
  /**
   * `tls_client_allowed_sans`: only a client whose verified certificate has one of these
   * subject alternative names (as Go prints them) is served; absent: any client.
   */
  readonly tlsClientAllowedSans?: readonly string[];
}

/** One entry of `reverse_exporters`: a served path and its exporters. */
export interface PathConfig {
  /** Starts with "/", without the context path. */
  readonly path: string;
  /** Whether its answers have the `reverse_exporter_backend_*` series of its exporters (`backend_metrics`). */
  readonly backendMetrics: boolean;
  /** The path's own `auth`: guards it besides `web.auth`; undefined: none. */
  readonly auth: AuthConfig | undefined;
  /** Kind by kind, in the order of the kinds given to validation; each kind's in file order. */
  readonly exporters: readonly ExporterConfig[];
  /** Serve the program's own metrics here too: set only by the embedded default configuration. */
  readonly ownMetrics: boolean;
}

/**
 * One configured exporter: what every exporter has, and its kind's own settings. Each kind
 * (src/exporters/) reads and uses its settings; the rest of the program passes them on.
 */
export interface ExporterConfig<Settings = unknown> {
  /** The name of its kind, its key under `exporters`: `http`, `file`, `exec`, `exec_cached`. */
  readonly kind: string;
  /** Its name: unique within its path, the value of its `exporter_name` label. */
  readonly name: string;
  /** The labels added to every sample, sorted by name, `exporter_name` last unless `no_rewrite`. */
  readonly targetLabels: LabelSet;
  /** `no_rewrite`: its samples get no `exporter_name` label. */
  readonly noRewrite: boolean;
  /** The most bytes its output may have (`body_size_limit`). */
  readonly bodySizeLimit: number;
  /** How long its last successful result answers scrapes instead of a new one (`cache_for`); 0: off. */
  readonly cacheForMs: number;
  /** The keys of its kind, as the kind reads them. */
  readonly settings: Settings;
}

/**
 * What validation needs of a kind of exporter: its name, its own keys, and how to read them.
 * The kinds are handed to validation by its caller (see src/exporters/mod.ts).
 */
export interface ExporterSchema<Settings = unknown> {
  /** Its key under `exporters` and `exporter_defaults`. */
  readonly name: string;
  /** Its own keys, besides those of every exporter (`name`, `labels`, ...). */
  readonly keys: readonly string[];
  /** Values of its required keys, so that its `exporter_defaults` can be checked without them. */
  readonly standIns: Readonly<Mapping>;
  /** Reads its keys from `m`, the exporter's mapping at `at`; undefined when a required one is bad. */
  parse(fields: Fields, m: Mapping, at: string): Settings | undefined;
}
