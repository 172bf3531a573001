/**
 * The exposition formats, by the names of Prometheus's scrape protocols: their media types,
 * the format of a body by its Content-Type, the Accept header that asks an exporter for them,
 * and the negotiation of a client's Accept header, as Prometheus's Go libraries do it. Pure:
 * no I/O.
 * @module
 */
import { type Escaping, ESCAPINGS } from "./names.ts";

/** The exposition formats, as Prometheus's `scrape_protocols` name them. */
export type ScrapeProtocol =
  | "PrometheusProto"
  | "OpenMetricsText1.0.0"
  | "OpenMetricsText0.0.1"
  | "PrometheusText1.0.0"
  | "PrometheusText0.0.4";

/** Every scrape protocol, protobuf first, as Prometheus asks with native histograms on. */
export const SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  "PrometheusProto",
  "OpenMetricsText1.0.0",
  "OpenMetricsText0.0.1",
  "PrometheusText1.0.0",
  "PrometheusText0.0.4",
];

/** A format: how a body is decoded or an answer encoded. */
export type Format =
  | { readonly kind: "text"; readonly version: "0.0.4" | "1.0.0" }
  | { readonly kind: "openmetrics"; readonly version: "0.0.1" | "1.0.0" }
  | { readonly kind: "protobuf" };

/** The format of each scrape protocol. */
export const PROTOCOL_FORMATS: Readonly<Record<ScrapeProtocol, Format>> = {
  "PrometheusProto": { kind: "protobuf" },
  "OpenMetricsText1.0.0": { kind: "openmetrics", version: "1.0.0" },
  "OpenMetricsText0.0.1": { kind: "openmetrics", version: "0.0.1" },
  "PrometheusText1.0.0": { kind: "text", version: "1.0.0" },
  "PrometheusText0.0.4": { kind: "text", version: "0.0.4" },
};

const PROTOBUF_MEDIA_TYPE = "application/vnd.google.protobuf";
const PROTOBUF_PROTO = "io.prometheus.client.MetricFamily";
const OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text";

/** The media type and parameters of each protocol in an Accept header, as Prometheus writes them. */
const PROTOCOL_MEDIA: Readonly<Record<ScrapeProtocol, string>> = {
  "PrometheusProto": `${PROTOBUF_MEDIA_TYPE};proto=${PROTOBUF_PROTO};encoding=delimited`,
  "OpenMetricsText1.0.0": `${OPENMETRICS_MEDIA_TYPE};version=1.0.0`,
  "OpenMetricsText0.0.1": `${OPENMETRICS_MEDIA_TYPE};version=0.0.1`,
  "PrometheusText1.0.0": "text/plain;version=1.0.0",
  "PrometheusText0.0.4": "text/plain;version=0.0.4",
};

/**
 * The Accept header that asks an exporter for `protocols`, in that order, as Prometheus 3
 * writes it (q from 0.6 down, then any type), but asking for UTF-8 names as they are
 * (`escaping=allow-utf-8`) wherever a format can carry them, protobuf included, so that
 * nothing is escaped before it reaches us.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[]): string {
  let weight = SCRAPE_PROTOCOLS.length + 1;
  const clauses = protocols.map((protocol) => {
    const utf8 = protocol !== "OpenMetricsText0.0.1" && protocol !== "PrometheusText0.0.4";
    return `${PROTOCOL_MEDIA[protocol]}${utf8 ? ";escaping=allow-utf-8" : ""};q=0.${weight--}`;
  });
  clauses.push(`*/*;q=0.${weight}`);
  return clauses.join(",");
}

/** A media type with its parameters (names lowercased), as in Content-Type and Accept. */
interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** Parses `type/subtype; name=value; ...`; parameter values may be quoted. */
function parseMediaRange(text: string): MediaRange {
  const parts = text.split(";");
  const params = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    params.set(part.slice(0, eq).trim().toLowerCase(), value);
  }
  return { type: parts[0]!.trim().toLowerCase(), params };
}

/**
 * The format of a body by its Content-Type; undefined when it names none we decode (the body
 * is then told apart by content). Text is read as 1.0.0, which accepts all of 0.0.4 and the
 * quoted names an exporter writes when asked for them.
 */
export function formatOfContentType(contentType: string | null | undefined): Format | undefined {
  if (contentType === null || contentType === undefined) return undefined;
  const { type, params } = parseMediaRange(contentType);
  if (type === PROTOBUF_MEDIA_TYPE) {
    const proto = params.get("proto");
    const encoding = params.get("encoding");
    if (
      (proto === undefined || proto === PROTOBUF_PROTO) && (encoding ?? "delimited") === "delimited"
    ) {
      return { kind: "protobuf" };
    }
    return undefined;
  }
  if (type === OPENMETRICS_MEDIA_TYPE) {
    return { kind: "openmetrics", version: params.get("version") === "0.0.1" ? "0.0.1" : "1.0.0" };
  }
  if (type === "text/plain") return { kind: "text", version: "1.0.0" };
  return undefined;
}

/** The answer to a client: its format, how its names are escaped, and its Content-Type. */
export interface Negotiated {
  /** The format of the answer. */
  readonly format: Format;
  /** How names outside the legacy character set are written. */
  readonly escaping: Escaping;
  /** The Content-Type the answer is sent with. */
  readonly contentType: string;
}

/** The answer to a client that asks for no format in particular: text 0.0.4, as always. */
export const DEFAULT_NEGOTIATED: Negotiated = {
  format: { kind: "text", version: "0.0.4" },
  escaping: "underscores",
  contentType: "text/plain; version=0.0.4; charset=utf-8",
};

interface AcceptClause extends MediaRange {
  readonly q: number;
  readonly order: number;
}

/**
 * The format to answer a request with, by its Accept header, as Prometheus's Go libraries
 * choose (`expfmt.NegotiateAccept`): clauses by q-value (then as written), the first that
 * names a format we write wins; an `escaping=` parameter of that clause or of one before it
 * chooses how UTF-8 names are written (else `underscores`, which text 0.0.4 and OpenMetrics
 * 0.0.1 also get for `allow-utf-8`). No Accept header, `*` /`*`, or nothing we write: text
 * 0.0.4, with today's Content-Type.
 */
export function negotiate(accept: string | null | undefined): Negotiated {
  if (accept === null || accept === undefined || accept.trim() === "") return DEFAULT_NEGOTIATED;
  const clauses: AcceptClause[] = [];
  accept.split(",").forEach((text, order) => {
    if (text.trim() === "") return;
    const range = parseMediaRange(text);
    const q = Number(range.params.get("q") ?? "1");
    if (!(q > 0)) return; // q=0 refuses; an invalid q counts as refused too
    clauses.push({ ...range, q, order });
  });
  clauses.sort((a, b) => b.q - a.q || a.order - b.order);
  let escaping: Escaping | undefined;
  for (const clause of clauses) {
    const asked = clause.params.get("escaping");
    if (asked !== undefined && (ESCAPINGS as readonly string[]).includes(asked)) {
      escaping = asked as Escaping;
    }
    const format = formatOfClause(clause);
    if (format === "any") break;
    if (format !== undefined) return answer(format, escaping);
  }
  return escaping === undefined ? DEFAULT_NEGOTIATED : answer(DEFAULT_NEGOTIATED.format, escaping);
}

/** The format an Accept clause names: one we write, `any` (wildcards), or undefined. */
function formatOfClause(clause: MediaRange): Format | "any" | undefined {
  const { type, params } = clause;
  const version = params.get("version");
  switch (type) {
    case "*/*":
    case "text/*":
      return "any";
    case "application/*":
      return { kind: "openmetrics", version: "1.0.0" };
    case "text/plain":
      if (version === undefined || version === "0.0.4") return { kind: "text", version: "0.0.4" };
      return version === "1.0.0" ? { kind: "text", version: "1.0.0" } : undefined;
    case OPENMETRICS_MEDIA_TYPE:
      // No version means 0.0.1, as the Go libraries read it.
      if (version === undefined || version === "0.0.1") {
        return { kind: "openmetrics", version: "0.0.1" };
      }
      return version === "1.0.0" ? { kind: "openmetrics", version: "1.0.0" } : undefined;
    case PROTOBUF_MEDIA_TYPE: {
      const proto = params.get("proto");
      const encoding = params.get("encoding");
      return proto === PROTOBUF_PROTO && encoding === "delimited"
        ? { kind: "protobuf" }
        : undefined;
    }
  }
  return undefined;
}

function answer(format: Format, asked: Escaping | undefined): Negotiated {
  // Text 0.0.4 and OpenMetrics 0.0.1 have no quoted names (Prometheus asks for an escaping
  // only with the 1.0.0 formats): their names are escaped, and the Content-Type says how.
  const utf8 = format.kind === "protobuf" || format.version === "1.0.0";
  const escaping = asked === undefined || (asked === "allow-utf-8" && !utf8)
    ? "underscores"
    : asked;
  // The 1.0.0 formats always say how names are written; the others when the client asked.
  const withEscaping = asked !== undefined || ("version" in format && format.version === "1.0.0");
  const suffix = withEscaping ? `; escaping=${escaping}` : "";
  switch (format.kind) {
    case "text":
      return {
        format,
        escaping,
        contentType: `text/plain; version=${format.version}; charset=utf-8${suffix}`,
      };
    case "openmetrics":
      return {
        format,
        escaping,
        contentType: `${OPENMETRICS_MEDIA_TYPE}; version=${format.version}; charset=utf-8${suffix}`,
      };
    case "protobuf":
      return {
        format,
        escaping,
        contentType: `${PROTOBUF_MEDIA_TYPE}; proto=${PROTOBUF_PROTO}; encoding=delimited${suffix}`,
      };
  }
}
