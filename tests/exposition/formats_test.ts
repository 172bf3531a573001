/**
 * Formats: the negotiation of a client's Accept header (as the Go libraries do it,
 * `expfmt.NegotiateAccept`), the format of a body by its Content-Type or content, and the
 * Accept header we send exporters (as Prometheus 3 sends it: scrape/scrape.go `acceptHeader`,
 * config/config.go `ScrapeProtocolsHeaders`).
 */
import { assertEquals } from "../_assert.ts";
import {
  acceptHeader,
  DEFAULT_NEGOTIATED,
  type Format,
  formatOf,
  formatOfContentType,
  negotiate,
  type Negotiated,
  PROTOCOL_FORMATS,
  SCRAPE_PROTOCOLS,
  type ScrapeProtocol,
  TEXT_CONTENT_TYPE,
} from "../../src/exposition/mod.ts";
import { bytes } from "./_samples.ts";

const PROTOBUF = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;" +
  "encoding=delimited";

/** Prometheus 3's Accept header by default (scrape_protocols unset). */
const PROMETHEUS_3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6," +
  "application/openmetrics-text;version=0.0.1;q=0.5," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4," +
  "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

/** Prometheus 3's Accept header with scrape_native_histograms (protobuf first). */
const PROMETHEUS_3_PROTOBUF = `${PROTOBUF};q=0.6,` +
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
  "application/openmetrics-text;version=0.0.1;q=0.4," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3," +
  "text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

/** Prometheus 2.42's (Debian's), without and with protobuf negotiation. */
const PROMETHEUS_2_42 = "application/openmetrics-text;version=1.0.0," +
  "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const PROMETHEUS_2_42_PROTOBUF = `${PROTOBUF},application/openmetrics-text;version=1.0.0;q=0.8,` +
  "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const OM = "application/openmetrics-text";
const PB_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; " +
  "encoding=delimited";

/** The answer to an Accept header, as a table row: format, escaping, Content-Type. */
function row(n: Negotiated): [string, string, string] {
  const format = n.format.kind === "protobuf" ? "protobuf" : `${n.format.kind} ${n.format.version}`;
  return [format, n.escaping, n.contentType];
}

Deno.test("negotiate: every Accept header of issue 13, with the exact Content-Type", () => {
  const cases: [string | null | undefined, [string, string, string]][] = [
    // Prometheus 3: OpenMetrics 1.0.0 with UTF-8 names as they are.
    [PROMETHEUS_3, [
      "openmetrics 1.0.0",
      "allow-utf-8",
      `${OM}; version=1.0.0; charset=utf-8; escaping=allow-utf-8`,
    ]],
    // Protobuf first: no escaping= on its clause, so names escaped, as a Go exporter does.
    [PROMETHEUS_3_PROTOBUF, ["protobuf", "underscores", PB_TYPE]],
    // Prometheus 2.42: OpenMetrics 1.0.0 (a 1.0.0 format always says how names are written).
    [PROMETHEUS_2_42, [
      "openmetrics 1.0.0",
      "underscores",
      `${OM}; version=1.0.0; charset=utf-8; escaping=underscores`,
    ]],
    [PROMETHEUS_2_42_PROTOBUF, ["protobuf", "underscores", PB_TYPE]],
    // No Accept header, an empty one, or any type: text 0.0.4 as always.
    [null, ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    [undefined, ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["  ", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["*/*", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["text/*", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["text/plain", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["text/plain;version=0.0.4", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    // A wildcard before a format we write: the wildcard wins, as written first.
    [`*/*,${OM};version=1.0.0`, ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    // But a format of higher q wins over it.
    [`*/*;q=0.1,${OM};version=1.0.0`, [
      "openmetrics 1.0.0",
      "underscores",
      `${OM}; version=1.0.0; charset=utf-8; escaping=underscores`,
    ]],
    // Text 1.0.0.
    ["text/plain;version=1.0.0", [
      "text 1.0.0",
      "underscores",
      "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ]],
    ["text/plain;version=1.0.0;escaping=allow-utf-8", [
      "text 1.0.0",
      "allow-utf-8",
      "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
    ]],
    ["text/plain;version=1.0.0;escaping=dots", [
      "text 1.0.0",
      "dots",
      "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
    ]],
    ["text/plain;version=1.0.0;escaping=values", [
      "text 1.0.0",
      "values",
      "text/plain; version=1.0.0; charset=utf-8; escaping=values",
    ]],
    // An escaping we do not know is ignored.
    ["text/plain;version=1.0.0;escaping=whatever", [
      "text 1.0.0",
      "underscores",
      "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ]],
    // Text 0.0.4 with an escaping asked: said so.
    ["text/plain;version=0.0.4;escaping=dots", [
      "text 0.0.4",
      "dots",
      "text/plain; version=0.0.4; charset=utf-8; escaping=dots",
    ]],
    // OpenMetrics 0.0.1, and without a version (0.0.1, as the Go libraries read it).
    [`${OM};version=0.0.1`, [
      "openmetrics 0.0.1",
      "underscores",
      `${OM}; version=0.0.1; charset=utf-8`,
    ]],
    [OM, ["openmetrics 0.0.1", "underscores", `${OM}; version=0.0.1; charset=utf-8`]],
    ["application/*", [
      "openmetrics 1.0.0",
      "underscores",
      `${OM}; version=1.0.0; charset=utf-8; escaping=underscores`,
    ]],
    // Protobuf asked with UTF-8 names.
    [`${PROTOBUF};escaping=allow-utf-8`, [
      "protobuf",
      "allow-utf-8",
      `${PB_TYPE}; escaping=allow-utf-8`,
    ]],
    // Protobuf in another encoding, or of another message: not written, so the next clause.
    [
      `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,text/plain;version=1.0.0;q=0.5`,
      [
        "text 1.0.0",
        "underscores",
        "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
      ],
    ],
    ["application/vnd.google.protobuf;proto=other.Message;encoding=delimited", [
      "text 0.0.4",
      "underscores",
      TEXT_CONTENT_TYPE,
    ]],
    // q=0 refuses a format; an invalid q too.
    [`${OM};version=1.0.0;q=0,text/plain;version=1.0.0;q=0.1`, [
      "text 1.0.0",
      "underscores",
      "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ]],
    [`${OM};version=1.0.0;q=0.0,${OM};version=0.0.1;q=abc`, [
      "text 0.0.4",
      "underscores",
      TEXT_CONTENT_TYPE,
    ]],
    // Unknown versions are not ours: the next clause, or text 0.0.4.
    [`${OM};version=2.0.0,text/plain;version=1.0.0;q=0.3`, [
      "text 1.0.0",
      "underscores",
      "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ]],
    ["text/plain;version=2.0.0", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    ["application/json,text/html;q=0.9", ["text 0.0.4", "underscores", TEXT_CONTENT_TYPE]],
    // An escaping asked by a clause of higher q, whose format we do not write, still counts.
    [`${OM};version=9.9.9;escaping=dots;q=0.9,text/plain;version=1.0.0;q=0.5`, [
      "text 1.0.0",
      "dots",
      "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
    ]],
    // q orders; the order written breaks ties.
    [`text/plain;version=0.0.4;q=0.5,${OM};version=0.0.1;q=0.9`, [
      "openmetrics 0.0.1",
      "underscores",
      `${OM}; version=0.0.1; charset=utf-8`,
    ]],
    [`${OM};version=0.0.1;q=0.5,text/plain;version=1.0.0;q=0.5`, [
      "openmetrics 0.0.1",
      "underscores",
      `${OM}; version=0.0.1; charset=utf-8`,
    ]],
    // Case, blanks and quoted parameter values as HTTP allows them.
    [' Text/Plain ; Version="1.0.0" ; Q=0.5 ; ESCAPING=dots ', [
      "text 1.0.0",
      "dots",
      "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
    ]],
    [",,text/plain;version=1.0.0,", [
      "text 1.0.0",
      "underscores",
      "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ]],
  ];
  for (const [accept, expected] of cases) {
    assertEquals(row(negotiate(accept)), expected, `Accept: ${accept}`);
  }
});

Deno.test("negotiate: UTF-8 names asked of a format that cannot carry them are escaped, and said so", () => {
  // Text 0.0.4 and OpenMetrics 0.0.1 have no quoted names (Prometheus sends escaping= only
  // with the 1.0.0 formats): names are escaped with underscores, and the Content-Type says so.
  assertEquals(row(negotiate("text/plain;version=0.0.4;escaping=allow-utf-8")), [
    "text 0.0.4",
    "underscores",
    "text/plain; version=0.0.4; charset=utf-8; escaping=underscores",
  ]);
  assertEquals(row(negotiate(`${OM};version=0.0.1;escaping=allow-utf-8`)), [
    "openmetrics 0.0.1",
    "underscores",
    `${OM}; version=0.0.1; charset=utf-8; escaping=underscores`,
  ]);
  // Prometheus 3's header where only 0.0.4 is left: allow-utf-8 from the clauses before.
  assertEquals(
    row(negotiate(
      `${OM};version=3.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.3`,
    )),
    ["text 0.0.4", "underscores", "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"],
  );
});

Deno.test("negotiate: no Accept header is today's answer", () => {
  assertEquals(negotiate(null), DEFAULT_NEGOTIATED);
  assertEquals(DEFAULT_NEGOTIATED.contentType, TEXT_CONTENT_TYPE);
});

Deno.test("acceptHeader(SCRAPE_PROTOCOLS) is what Prometheus 3 sends, protobuf first", () => {
  // Prometheus 3's acceptHeader(DefaultProtoFirstScrapeProtocols, AllowUTF8), but for
  // escaping=allow-utf-8 on the protobuf clause too: we take UTF-8 names as they are.
  assertEquals(
    acceptHeader(SCRAPE_PROTOCOLS),
    `${PROTOBUF};escaping=allow-utf-8;q=0.6,` +
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
      "application/openmetrics-text;version=0.0.1;q=0.4," +
      "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3," +
      "text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
  );
  assertEquals(
    acceptHeader(SCRAPE_PROTOCOLS).replace(";escaping=allow-utf-8;q=0.6", ";q=0.6"),
    PROMETHEUS_3_PROTOBUF,
  );
  // Prometheus 3's default protocols give its default header exactly.
  assertEquals(
    acceptHeader([
      "OpenMetricsText1.0.0",
      "OpenMetricsText0.0.1",
      "PrometheusText1.0.0",
      "PrometheusText0.0.4",
    ]),
    PROMETHEUS_3,
  );
  assertEquals(acceptHeader(["PrometheusText0.0.4"]), "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
  assertEquals(acceptHeader([]), "*/*;q=0.6");
});

Deno.test("acceptHeader: an exporter negotiating as we do answers the first protocol asked", () => {
  for (const first of SCRAPE_PROTOCOLS) {
    const rest = SCRAPE_PROTOCOLS.filter((p) => p !== first);
    for (const protocols of [[first], [first, ...rest], [first, ...rest.reverse()]]) {
      const negotiated = negotiate(acceptHeader(protocols as ScrapeProtocol[]));
      assertEquals(negotiated.format, PROTOCOL_FORMATS[first], acceptHeader(protocols));
      // And its Content-Type is read back as that format (text as 1.0.0, which reads 0.0.4).
      const expected: Format = PROTOCOL_FORMATS[first].kind === "text"
        ? { kind: "text", version: "1.0.0" }
        : PROTOCOL_FORMATS[first];
      assertEquals(formatOfContentType(negotiated.contentType), expected, negotiated.contentType);
    }
  }
});

Deno.test("formatOfContentType: the format of an exporter's body", () => {
  const cases: [string | null | undefined, Format | undefined][] = [
    [PB_TYPE, { kind: "protobuf" }],
    [`${PB_TYPE}; escaping=underscores`, { kind: "protobuf" }],
    ["application/vnd.google.protobuf", { kind: "protobuf" }],
    ["application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", {
      kind: "protobuf",
    }],
    [
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text",
      undefined,
    ],
    ["application/vnd.google.protobuf; proto=other; encoding=delimited", undefined],
    [`${OM}; version=1.0.0; charset=utf-8`, { kind: "openmetrics", version: "1.0.0" }],
    [`${OM}; version=0.0.1; charset=utf-8`, { kind: "openmetrics", version: "0.0.1" }],
    [OM, { kind: "openmetrics", version: "1.0.0" }],
    [`${OM.toUpperCase()};VERSION="0.0.1"`, { kind: "openmetrics", version: "0.0.1" }],
    // Text is read as 1.0.0, which reads all of 0.0.4 and the quoted names asked for.
    [TEXT_CONTENT_TYPE, { kind: "text", version: "1.0.0" }],
    ["text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8", {
      kind: "text",
      version: "1.0.0",
    }],
    ["text/plain", { kind: "text", version: "1.0.0" }],
    ["Text/Plain;charset=utf-8", { kind: "text", version: "1.0.0" }],
    ["application/json", undefined],
    ["text/html; charset=utf-8", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [contentType, expected] of cases) {
    assertEquals(formatOfContentType(contentType), expected, `Content-Type: ${contentType}`);
  }
});

Deno.test("formatOf: without a Content-Type we decode, OpenMetrics when the body ends with # EOF", () => {
  const om: Format = { kind: "openmetrics", version: "1.0.0" };
  const text: Format = { kind: "text", version: "1.0.0" };
  const cases: [string, Format][] = [
    ["m 1\n# EOF\n", om],
    ["# EOF", om],
    ["m 1\n# EOF\n\n \t\r\n", om],
    ["m 1\n", text],
    ["", text],
    ["m 1 # EOF\n", text],
    ["m 1\n#EOF\n", text],
    ["m 1\n# EOF\nm 2\n", text],
  ];
  for (const [body, expected] of cases) {
    assertEquals(formatOf(bytes(body)), expected, JSON.stringify(body));
    assertEquals(formatOf(bytes(body), { contentType: "application/json" }), expected);
  }
  // A Content-Type we decode wins over the content.
  assertEquals(formatOf(bytes("m 1\n# EOF\n"), { contentType: TEXT_CONTENT_TYPE }), text);
  assertEquals(formatOf(bytes("m 1\n"), { contentType: PB_TYPE }), { kind: "protobuf" });
});
