/**
 * Text 1.0.0: UTF-8 metric and label names, written quoted (`{"my.metric","my.label"="x"}`,
 * `# HELP "my.metric" ...`), decoded, and encoded back as they are (`allow-utf-8`) or escaped
 * by the schemes of Prometheus's `escaping=` parameter (names.ts), as the Go libraries write
 * them (github.com/prometheus/common, model/metric.go: EscapeName, EscapeMetricFamily).
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import {
  DecodeError,
  decodeText,
  encodeText,
  escapeLabelName,
  escapeName,
  type Escaping,
  isLegacyLabelName,
  isLegacyName,
  mergeSources,
} from "../../src/exposition/mod.ts";
import {
  assertDecodeFails,
  bytes,
  decode,
  decoded,
  encoded,
  fam,
  labels,
  source,
  text,
  val,
} from "./_samples.ts";

const UTF8_TEXT = '# HELP "my.metric" Dotted \\\\ help.\n' +
  '# TYPE "my.metric" gauge\n' +
  '{"my.metric",a="b"} 1\n' +
  '{"my.metric"} 2\n' +
  '{"my.metric","my.label"="x","exporter_name"="e"} 3\n' +
  'legacy_total{"\u00e9t\u00e9"="summer",job="j"} 4\n';

/** Decodes text 1.0.0. */
function decoded100(text: string) {
  return decoded(text, "1.0.0");
}

function decodeFails100(text: string, line: number, column: number, message?: string): DecodeError {
  return assertDecodeFails((t) => decode(t, "1.0.0"), text, {
    line,
    column,
    messageIncludes: message,
  });
}

Deno.test("text 1.0.0: quoted metric names, quoted label names and a quoted HELP/TYPE name", () => {
  assertEquals(decoded100(UTF8_TEXT), [
    fam("my.metric", "gauge", [
      val([["a", "b"]], 1),
      val([], 2),
      // A legacy label name written quoted is the same name.
      val([["my.label", "x"], ["exporter_name", "e"]], 3),
    ], "Dotted \\ help."),
    fam("legacy_total", "unknown", [val([["\u00e9t\u00e9", "summer"], ["job", "j"]], 4)]),
  ]);
});

Deno.test('text 1.0.0: quoted names unescape \\\\, \\" and \\n', () => {
  const text = '# TYPE "we\\"ird\\\\name\\n" counter\n' +
    '{"we\\"ird\\\\name\\n","la\\"bel\\\\\\n"="v\\"al"} 5\n';
  assertEquals(decoded100(text), [
    fam('we"ird\\name\n', "counter", [val([['la"bel\\\n', 'v"al']], 5)]),
  ]);
});

Deno.test("text 1.0.0: blanks around a quoted name, and the name not first", () => {
  assertEquals(decoded100('{ "a.b" , x="1" } 1\n{x="2", "a.b"} 2\n'), [
    fam("a.b", "unknown", [val([["x", "1"]], 1), val([["x", "2"]], 2)]),
  ]);
});

Deno.test("text 1.0.0: a histogram of a UTF-8 name groups its lines as any other", () => {
  const text = '# HELP "my.h" Latency.\n# TYPE "my.h" histogram\n' +
    '{"my.h_bucket","my.l"="x",le="1"} 1\n' +
    '{"my.h_bucket",le="+Inf","my.l"="x"} 2\n' +
    '{"my.h_sum","my.l"="x"} 3\n' +
    '{"my.h_count","my.l"="x"} 2\n';
  assertEquals(decoded100(text), [{
    name: "my.h",
    type: "histogram",
    help: "Latency.",
    metrics: [{
      labels: labels(["my.l", "x"]),
      buckets: [{ upperBound: 1, count: 1 }, { upperBound: Infinity, count: 2 }],
      sum: 3,
      count: 2,
    }],
  }]);
  // Written back as it was read.
  assertEquals(
    encoded(decode(text, "1.0.0"), { version: "1.0.0", escaping: "allow-utf-8" }),
    text,
  );
});

Deno.test("text 1.0.0: the store writes label sets canonical, quoting only names that need it", () => {
  const { store } = decode('{"m","a"="1","my.label"="2"} 1\nm{a="1","my.label"="2"} 2\n', "1.0.0");
  const canonical = (i: number) => {
    const start = store.start[i]!;
    const offset = store.offsetAt(start);
    return text(store.bytesAt(start).subarray(start - offset, store.end[i]! - offset));
  };
  assertEquals([canonical(0), canonical(1)], ['a="1","my.label"="2"', 'a="1","my.label"="2"']);
  // Quoted names are hashed without their quotes: both are one series.
  assertEquals(store.hash[0], store.hash[1]);
  assertEquals(store.quotedLabelNames, true);
  assertEquals([...store.labelNames].sort(), ["a", "my.label"]);
  // A legacy name written quoted does not count as a quoted name.
  assertEquals(decode('{"m","a"="1"} 1\n', "1.0.0").store.quotedLabelNames, false);
});

Deno.test("text 1.0.0: malformed quoted names are positioned errors", () => {
  decodeFails100('m{"m"} 1\n', 1, 3, "metric name given twice");
  decodeFails100('{"a","b"} 1\n', 1, 6, "metric name given twice");
  decodeFails100('{a="b"} 1\n', 1, 1, "no metric name in the label set");
  decodeFails100("{} 1\n", 1, 1, "no metric name in the label set");
  decodeFails100('{"my.metric} 1\n', 1, 15, "unterminated quoted name");
  decodeFails100('{"my\\tmetric"} 1\n', 1, 5, "invalid escape sequence in quoted name");
  decodeFails100('{"m", "l" "v"} 1\n', 1, 11, 'expected "=" after label l');
  decodeFails100('# TYPE "my.metric gauge\n', 1, 24, "unterminated quoted metric name");
  decodeFails100('# HELP "my.metric"help\n', 1, 8, "invalid metric name");
  decodeFails100('{"m","a"="1","a"="2"} 1\n', 1, 15, "duplicate label a");
  // Quoted and unquoted, one name.
  decodeFails100('{"m","a"="1",a="2"} 1\n', 1, 14, "duplicate label a");
  // Invalid UTF-8 inside a quoted name.
  const error = assertThrows(
    () =>
      decodeText(Uint8Array.from([...bytes('{"m'), 0xff, ...bytes('"} 1\n')]), {
        version: "1.0.0",
      }),
    DecodeError,
  );
  assertEquals([error.line, error.column, error.invalidUtf8], [1, 4, true]);
});

Deno.test("text 1.0.0: encoded with allow-utf-8, names are quoted only where they must be", () => {
  const out = encoded(decode(UTF8_TEXT, "1.0.0"), { version: "1.0.0", escaping: "allow-utf-8" });
  assertEquals(
    out,
    '# HELP "my.metric" Dotted \\\\ help.\n' +
      '# TYPE "my.metric" gauge\n' +
      '{"my.metric",a="b"} 1\n' +
      '{"my.metric"} 2\n' +
      '{"my.metric","my.label"="x",exporter_name="e"} 3\n' +
      "# TYPE legacy_total untyped\n" +
      'legacy_total{"\u00e9t\u00e9"="summer",job="j"} 4\n',
  );
  assertEquals(decoded100(out), decoded100(UTF8_TEXT));
});

Deno.test("text 1.0.0: quoted names are escaped when encoded", () => {
  const families = [
    fam('we"ird\\name\n', "counter", [val([['la"bel\\\n', 'v"al']], 5)], "H."),
  ];
  const out = encoded(families, { version: "1.0.0", escaping: "allow-utf-8" });
  assertEquals(
    out,
    '# HELP "we\\"ird\\\\name\\n" H.\n# TYPE "we\\"ird\\\\name\\n" counter\n' +
      '{"we\\"ird\\\\name\\n","la\\"bel\\\\\\n"="v\\"al"} 5\n',
  );
  assertEquals(decoded100(out), families);
});

Deno.test("text 1.0.0: with target labels, a sample of a UTF-8 name keeps its quoted name first", () => {
  const result = mergeSources([{
    ...source("x", [], { target: labels(["exporter_name", "x"]) }),
    exposition: decode(UTF8_TEXT, "1.0.0"),
  }]);
  const out = text(encodeText(result.families, { version: "1.0.0", escaping: "allow-utf-8" }).body);
  assertStringIncludes(out, '\n{"my.metric",a="b",exporter_name="x"} 1\n');
  assertStringIncludes(out, '\n{"my.metric",exporter_name="x"} 2\n');
  // The sample's own exporter_name is renamed, quoted or not.
  assertStringIncludes(
    out,
    '\n{"my.metric","my.label"="x",exported_exporter_name="e",exporter_name="x"} 3\n',
  );
});

// --- Escaping ----------------------------------------------------------------------------------

/** The text of `UTF8_TEXT` merged and encoded as a client asking for `escaping` gets it. */
function served(escaping: Escaping, version: "0.0.4" | "1.0.0"): string {
  const { families } = mergeSources([{
    exporterName: "x",
    exposition: decode(UTF8_TEXT, "1.0.0"),
  }], { nameOf: (name) => escapeName(name, escaping) });
  return text(encodeText(families, { version, escaping }).body);
}

Deno.test("escaping: underscores, dots and values, as a client gets them", () => {
  const expected: Record<Exclude<Escaping, "allow-utf-8">, string> = {
    underscores: "# TYPE legacy_total untyped\n" +
      'legacy_total{_t_="summer",job="j"} 4\n' +
      "# HELP my_metric Dotted \\\\ help.\n# TYPE my_metric gauge\n" +
      'my_metric{a="b"} 1\nmy_metric 2\nmy_metric{my_label="x",exporter_name="e"} 3\n',
    dots: "# TYPE legacy_total untyped\n" +
      'legacy_total{__t__="summer",job="j"} 4\n' +
      "# HELP my_dot_metric Dotted \\\\ help.\n# TYPE my_dot_metric gauge\n" +
      'my_dot_metric{a="b"} 1\nmy_dot_metric 2\n' +
      'my_dot_metric{my_dot_label="x",exporter_name="e"} 3\n',
    // Sorted by name: U before l.
    values: "# HELP U__my_2e_metric Dotted \\\\ help.\n# TYPE U__my_2e_metric gauge\n" +
      'U__my_2e_metric{a="b"} 1\nU__my_2e_metric 2\n' +
      'U__my_2e_metric{U__my_2e_label="x",exporter_name="e"} 3\n' +
      "# TYPE legacy_total untyped\n" +
      'legacy_total{U___e9_t_e9_="summer",job="j"} 4\n',
  };
  for (const [escaping, text] of Object.entries(expected)) {
    for (const version of ["0.0.4", "1.0.0"] as const) {
      const out = served(escaping as Escaping, version);
      assertEquals(out, text, `${escaping}, text ${version}`);
      // Valid text 0.0.4: no quoted name anywhere.
      assertEquals(decoded(out).length, 2, `${escaping}, text ${version}`);
    }
  }
});

Deno.test("escaping: text 0.0.4 never quotes a name, even when asked for allow-utf-8", () => {
  const asked = served("allow-utf-8", "0.0.4");
  // allow-utf-8 leaves the merge's names as they are: the encoder escapes them.
  assertEquals(asked, served("underscores", "0.0.4"));
  assert(!asked.includes('"my'), asked);
  // And without options, the default is text 0.0.4 with underscores.
  const { families } = mergeSources([{
    exporterName: "x",
    exposition: decode(UTF8_TEXT, "1.0.0"),
  }]);
  assertEquals(text(encodeText(families).body), served("underscores", "0.0.4"));
});

Deno.test("escaping: legacy label names are written the same whether others are quoted or not", () => {
  // A store with a quoted label name writes its label sets one label at a time: exporter_name
  // must stay exporter_name there too (it was exporter__name with dots).
  for (const escaping of ["underscores", "dots", "values"] as const) {
    const out = served(escaping, "1.0.0");
    assertStringIncludes(out, 'exporter_name="e"} 3\n', escaping);
    assertStringIncludes(out, '{a="b"} 1\n', escaping);
  }
});

Deno.test("escapeName: as Go's EscapeName for names that need escaping (model/metric_test.go)", () => {
  // input, underscores, dots, values: TestEscapeName's scenarios.
  const cases: [string, string, string, string][] = [
    [
      "mysystem.prod.west.cpu.load",
      "mysystem_prod_west_cpu_load",
      "mysystem_dot_prod_dot_west_dot_cpu_dot_load",
      "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load",
    ],
    [
      "mysystem.prod.west.cpu.load_total",
      "mysystem_prod_west_cpu_load_total",
      "mysystem_dot_prod_dot_west_dot_cpu_dot_load__total",
      "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total",
    ],
    ["http.status:sum", "http_status:sum", "http_dot_status:sum", "U__http_2e_status:sum"],
    ["label with \ud83d\ude31", "label_with__", "label__with____", "U__label_20_with_20__1f631_"],
    ["\u82b1\u706b", "__", "____", "U___82b1__706b_"],
    ["label with \u0100", "label_with__", "label__with____", "U__label_20_with_20__100_"],
    // A digit may not start a name.
    ["0x.y", "_x_y", "__x_dot_y", "U___30_x_2e_y"],
  ];
  for (const [input, underscores, dots, values] of cases) {
    assertEquals(
      [escapeName(input, "underscores"), escapeName(input, "dots"), escapeName(input, "values")],
      [underscores, dots, values],
      input,
    );
    assertEquals(escapeName(input, "allow-utf-8"), input);
    for (const escaping of ["underscores", "dots", "values"] as const) {
      assert(isLegacyName(escapeName(input, escaping)), `${input} ${escaping}`);
    }
  }
  assertEquals(escapeName("", "values"), "");
});

Deno.test("escapeName: legacy names are kept by every scheme, as EscapeMetricFamily keeps them", () => {
  // Go's EscapeName("no:escaping_required", DotsEscaping) is "no:escaping__required", but
  // what a Go exporter writes (EscapeMetricFamily) keeps valid names as they are.
  for (const name of ["no:escaping_required", "node_cpu_seconds_total", "_x", "a:b"]) {
    for (const escaping of ["underscores", "dots", "values", "allow-utf-8"] as const) {
      assertEquals(escapeName(name, escaping), name, `${name} ${escaping}`);
    }
  }
  // Escaping twice gives what escaping once gives.
  for (const name of ["my.metric", "a b", "\u00e9", "U__x", "0a"]) {
    for (const escaping of ["underscores", "dots", "values"] as const) {
      const once = escapeName(name, escaping);
      assertEquals(escapeName(once, escaping), once, `${name} ${escaping}`);
    }
  }
});

Deno.test("escapeLabelName: a valid label name always, so ':' is escaped too", () => {
  const cases: [string, string, string, string][] = [
    ["my.label", "my_label", "my_dot_label", "U__my_2e_label"],
    ["a:b", "a_b", "a__b", "U__a_3a_b"],
    ["0a", "_a", "__a", "U___30_a"],
    ["\u00e9t\u00e9", "_t_", "__t__", "U___e9_t_e9_"],
  ];
  for (const [input, underscores, dots, values] of cases) {
    const out = [
      escapeLabelName(input, "underscores"),
      escapeLabelName(input, "dots"),
      escapeLabelName(input, "values"),
    ];
    assertEquals(out, [underscores, dots, values], input);
    for (const name of out) assert(isLegacyLabelName(name), `${input}: ${name}`);
  }
  for (const name of ["exporter_name", "_x", "le"]) {
    for (const escaping of ["underscores", "dots", "values"] as const) {
      assertEquals(escapeLabelName(name, escaping), name);
    }
  }
});

Deno.test("escapeName: a lone surrogate is U+FFFD with values, as Go reads invalid UTF-8", () => {
  assertEquals(escapeName("a\ud800b", "values"), "U__a_FFFD_b");
  assertEquals(escapeName("a\ud800b", "underscores"), "a_b");
});
