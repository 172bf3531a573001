/** Typed wrapper of `@std/yaml`. */
import { parse } from "@std/yaml";

/** Parses one YAML document into plain data (mappings, lists, scalars). */
export function parseYaml(text: string): unknown {
  const document: unknown = parse(text);
  return document;
}
