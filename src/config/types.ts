/** The configuration, parsed once into precise types: the rest of the program trusts it. */
import type { LabelSet } from "../exposition/model.ts";
import type { ScrapeProtocol } from "../exposition/formats.ts";

/** The whole configuration of the program. */
export interface Config {
  /** Absolute path of the file it was read from; undefined for the embedded default. */
  readonly file: string | undefined;
  readonly web: WebConfig;
  readonly reverseExporters: readonly PathConfig[];
}

/** The `web` section: where and how the program serves. */
export interface WebConfig {
  readonly listen: readonly ListenAddress[];
  /** How long a client may take to send its request headers; never 0 (0s in the file is 60 s). */
  readonly readHeaderTimeoutMs: number;
  /** "" or a prefix starting with "/" and not ending with "/". */
  readonly contextPath: string;
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
  readonly certFile: string;
  readonly keyFile: string;
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

/** An `auth` section. */
export interface AuthConfig {
  readonly basicAuth: readonly BasicAuthCredential[];
}

/** One entry of `reverse_exporters`: a served path and its exporters. */
export interface PathConfig {
  /** Starts with "/", without the context path. */
  readonly path: string;
  readonly backendMetrics: boolean;
  readonly auth: AuthConfig | undefined;
  /** In configuration order: http, then file, exec and exec_cached. */
  readonly exporters: readonly ExporterConfig[];
  /** Serve the program's own metrics here too: set only by the embedded default configuration. */
  readonly ownMetrics: boolean;
}

/** The kinds of exporter. */
export type ExporterKind = "http" | "file" | "exec" | "exec_cached";

/** What every exporter has. */
export interface ExporterCommon {
  readonly name: string;
  /** The labels added to every sample, sorted by name, `exporter_name` last unless `no_rewrite`. */
  readonly targetLabels: LabelSet;
  readonly noRewrite: boolean;
}

/** TLS settings of an `http` exporter; absolute file paths. */
export interface ClientTls {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly insecureSkipVerify: boolean;
}

/** An `http` exporter. */
export interface HttpExporterConfig extends ExporterCommon {
  readonly kind: "http";
  readonly address: URL;
  /** Infinity when `timeout: 0` (no timeout of its own). */
  readonly timeoutMs: number;
  readonly forwardUrlParams: boolean;
  readonly unixSocket: string | undefined;
  readonly tls: ClientTls | undefined;
  readonly basicAuth: { readonly username: string; readonly password: string } | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodySizeLimit: number;
  /** The formats asked for, in order of preference (`scrape_protocols`). */
  readonly scrapeProtocols: readonly ScrapeProtocol[];
}

/** A `file` exporter. */
export interface FileExporterConfig extends ExporterCommon {
  readonly kind: "file";
  readonly path: string;
  readonly bodySizeLimit: number;
}

/** An `exec` exporter. */
export interface ExecExporterConfig extends ExporterCommon {
  readonly kind: "exec";
  /** Absolute when it was written with a "/", else looked up in PATH. */
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string | undefined;
  readonly bodySizeLimit: number;
}

/** An `exec_cached` exporter. */
export interface ExecCachedExporterConfig extends Omit<ExecExporterConfig, "kind"> {
  readonly kind: "exec_cached";
  readonly execIntervalMs: number;
  readonly maxAgeMs: number;
}

/** Any exporter. */
export type ExporterConfig =
  | HttpExporterConfig
  | FileExporterConfig
  | ExecExporterConfig
  | ExecCachedExporterConfig;
