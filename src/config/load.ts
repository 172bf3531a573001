/** Loading of the configuration: the embedded default, or a YAML file read from disk. */
import { errorMessage } from "../error_message.ts";
import { parseYaml } from "../std/yaml.ts";
import type { Config, ExporterSchema } from "./types.ts";
import { folderOf, resolvePath } from "./fields.ts";
import { readIncludes } from "./_include.ts";
import { readSecretFile } from "./_secret_file.ts";
import { ConfigError, validateConfig } from "./validate.ts";
import {
  DEFAULT_ENGINE_WORKERS,
  DEFAULT_MAX_BYTES_IN_FLIGHT,
  DEFAULT_MAX_CONNECTIONS,
} from "./_web.ts";

/** The file read when `--config-file` is not given. */
export const DEFAULT_CONFIG_FILE = "reverse_exporter.yml";

/** The configuration used when no file is given and the default file does not exist. */
export const EMBEDDED_CONFIG: Config = {
  file: undefined,
  web: {
    listen: [{ scheme: "tcp", url: "tcp://[::]:9998", hostname: "::", port: 9998 }],
    readHeaderTimeoutMs: 1000,
    contextPath: "",
    auth: undefined,
    engineWorkers: DEFAULT_ENGINE_WORKERS,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    maxBytesInFlight: DEFAULT_MAX_BYTES_IN_FLIGHT,
  },
  reverseExporters: [
    { path: "/metrics", backendMetrics: false, auth: undefined, exporters: [], ownMetrics: true },
  ],
  includes: [],
  secretFiles: [],
};

/**
 * Reads, parses and validates a configuration file, and the files its `include` globs match;
 * throws {@linkcode ConfigError}.
 */
export async function loadConfigFile(
  path: string,
  options: { kinds: readonly ExporterSchema[] },
): Promise<Config> {
  const file = resolvePath(Deno.cwd(), path);
  if (Deno.permissions.querySync({ name: "read", path: file }).state !== "granted") {
    throw new ConfigError([
      `${file}: cannot read the configuration file: not permitted; add --allow-read=${file}`,
    ]);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new ConfigError([`${file}: cannot read the configuration file: ${errorMessage(error)}`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${file}: invalid YAML: ${errorMessage(error)}`]);
  }
  const baseDir = folderOf(file);
  const included = await readIncludes(document, { file, baseDir });
  const config = validateConfig(document, {
    file,
    baseDir,
    kinds: options.kinds,
    included,
    readSecret: readSecretFile,
  });
  await checkTlsFiles(config);
  return config;
}

/** Reports listener TLS files that do not exist, naming the listen URL. */
async function checkTlsFiles(config: Config): Promise<void> {
  const problems: string[] = [];
  for (const [i, address] of config.web.listen.entries()) {
    if (address.scheme !== "tcps" && address.scheme !== "unixs") continue;
    const { certFile, keyFile, clientCaFile } = address.tls;
    for (const f of [certFile, keyFile, clientCaFile]) {
      if (f === undefined) continue;
      try {
        await Deno.stat(f);
      } catch (error) {
        problems.push(
          `${config.file}: web.listen[${i}]: TLS file ${f} of ${address.url}: ${
            errorMessage(error)
          }`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
