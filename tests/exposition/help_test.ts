/**
 * HELP text kept as written (`WrittenHelp`): a text exposition's HELP lines are served again
 * as the same bytes, in text, and as their unescaped text in OpenMetrics and protobuf.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  decodeOpenMetrics,
  decodeProtobuf,
  encodeOpenMetrics,
  encodeProtobuf,
  helpText,
  WrittenHelp,
} from "../../src/exposition/mod.ts";
import { decode, encoded, unmerged } from "./_samples.ts";

const ESCAPED = '# HELP m a\\\\b\\nc "q" \u00e9.\n# TYPE m gauge\nm 1\n';

Deno.test("HELP with only \\\\ and \\n escapes is kept as written and served the same", () => {
  const exposition = decode(ESCAPED);
  const help = exposition.families[0]!.help;
  assert(help instanceof WrittenHelp, "kept as written");
  assertEquals(helpText(help), 'a\\b\nc "q" \u00e9.');
  assertEquals(encoded(exposition), ESCAPED);
});

Deno.test("HELP with another backslash is unescaped at once, and written escaped", () => {
  for (
    const [line, help, served] of [
      ["a\\tb", "a\\tb", "a\\\\tb"],
      ["ends with \\", "ends with \\", "ends with \\\\"],
    ]
  ) {
    const exposition = decode(`# HELP m ${line}\nm 1\n`);
    assertEquals(exposition.families[0]!.help, help);
    assertEquals(encoded(exposition), `# HELP m ${served}\n# TYPE m untyped\nm 1\n`);
  }
});

Deno.test("HELP kept as written reaches OpenMetrics and protobuf as its text", () => {
  const exposition = decode(ESCAPED);
  const om = decodeOpenMetrics(encodeOpenMetrics(unmerged(exposition)).body);
  assertEquals(om.families[0]!.help, 'a\\b\nc "q" \u00e9.');
  const pb = decodeProtobuf(encodeProtobuf(unmerged(exposition)).body);
  assertEquals(pb.families[0]!.help, 'a\\b\nc "q" \u00e9.');
});

Deno.test("HELP kept as written is not read from a released exposition", () => {
  const exposition = decode(ESCAPED);
  const help = exposition.families[0]!.help as WrittenHelp;
  exposition.store.release();
  assertThrows(() => help.text, Error, "released");
  assertThrows(() => help.body, Error, "released");
});

Deno.test("a byte order mark at the start of a HELP text is text like any other", () => {
  const exposition = decode("# HELP m \uFEFFx\n# TYPE m gauge\nm 1\n");
  assertEquals(helpText(exposition.families[0]!.help), "\uFEFFx");
  assertEquals(encoded(exposition), "# HELP m \uFEFFx\n# TYPE m gauge\nm 1\n");
  const om = decodeOpenMetrics(encodeOpenMetrics(unmerged(exposition)).body);
  assertEquals(om.families[0]!.help, "\uFEFFx");
});
