/**
 * The Deno permissions a configuration needs, gathered from the modules that declare
 * them, as descriptors to query and as flags for `deno run` and `deno compile`.
 */
import { kindOf } from "./exporters/mod.ts";
import type { Config } from "./config/types.ts";
import { listenPermissions } from "./server/listen.ts";

/** The permission kinds the program ever needs. */
export type PermissionName = "net" | "read" | "write" | "run" | "env";

/** One permission a configuration needs, and what needs it. */
export interface NeededPermission {
  /** The kind of permission. */
  readonly name: PermissionName;
  /** The host:port, path, command or environment variable. */
  readonly value: string;
  /** What needs it, for messages: `listener tcp://[::]:9998`, `exporter node (http)`. */
  readonly neededBy: string;
}

const ORDER: readonly PermissionName[] = ["net", "read", "write", "run", "env"];

/** What part of a descriptor a flag lists. */
function valueOf(descriptor: Deno.PermissionDescriptor): [PermissionName, string] | undefined {
  switch (descriptor.name) {
    case "net":
      return descriptor.host === undefined ? undefined : ["net", descriptor.host];
    case "read":
    case "write":
      return descriptor.path === undefined ? undefined : [descriptor.name, String(descriptor.path)];
    case "run":
      return descriptor.command === undefined ? undefined : ["run", String(descriptor.command)];
    case "env":
      return descriptor.variable === undefined ? undefined : ["env", descriptor.variable];
    default:
      return undefined;
  }
}

/**
 * Every permission `config` needs, without duplicates: its listeners, its exporters, the
 * configuration file (or, for the embedded default, the default file looked for), what its
 * `include` globs read and its secret files.
 */
export function configPermissions(
  config: Config,
  options: { defaultConfigFile: string },
): NeededPermission[] {
  const needed: NeededPermission[] = [];
  const add = (descriptors: Deno.PermissionDescriptor[], neededBy: string) => {
    for (const d of descriptors) {
      const v = valueOf(d);
      if (v === undefined) throw new Error(`unscoped permission declared for ${neededBy}`);
      if (!needed.some((n) => n.name === v[0] && n.value === v[1])) {
        needed.push({ name: v[0], value: v[1], neededBy });
      }
    }
  };
  add([{ name: "read", path: config.file ?? options.defaultConfigFile }], "the configuration file");
  // The folder a glob walks covers the files it finds there, and those added later.
  for (const include of config.includes) {
    add([{ name: "read", path: include.read }], `include ${include.pattern}`);
  }
  for (const secret of config.secretFiles) {
    add([{ name: "read", path: secret.file }], `the secret file of ${secret.key}`);
  }
  for (const address of config.web.listen) {
    add(listenPermissions(address), `listener ${address.url}`);
  }
  for (const path of config.reverseExporters) {
    for (const exporter of path.exporters) {
      add(
        kindOf(exporter).permissions(exporter),
        `exporter ${exporter.name} (${exporter.kind}) of ${path.path}`,
      );
    }
  }
  return needed.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
}

/** The permissions of `needed` that this process has not been granted. Never prompts. */
export function missingPermissions(needed: readonly NeededPermission[]): NeededPermission[] {
  return needed.filter((n) => Deno.permissions.querySync(descriptor(n)).state !== "granted");
}

/** The arguments that grant exactly `needed`: `--allow-net=a,b`, `--allow-read=c`, ... */
export function permissionArgs(needed: readonly NeededPermission[]): string[] {
  const args: string[] = [];
  for (const name of ORDER) {
    const values = needed.filter((n) => n.name === name).map((n) => n.value);
    if (values.length > 0) args.push(`--allow-${name}=${values.join(",")}`);
  }
  return args;
}

/** {@linkcode permissionArgs}, quoted for a shell where needed. */
export function permissionFlags(needed: readonly NeededPermission[]): string[] {
  return permissionArgs(needed).map(shellQuote);
}

/** One line naming each missing grant, what needs it, and the flags to add. */
export function describeMissing(missing: readonly NeededPermission[]): string {
  const grants = missing.map((m) => `${m.name} ${m.value} (for ${m.neededBy})`);
  return `missing permissions: ${grants.join("; ")}. Add: ${permissionFlags(missing).join(" ")}`;
}

function descriptor(n: NeededPermission): Deno.PermissionDescriptor {
  switch (n.name) {
    case "net":
      return { name: "net", host: n.value };
    case "read":
      return { name: "read", path: n.value };
    case "write":
      return { name: "write", path: n.value };
    case "run":
      return { name: "run", command: n.value };
    case "env":
      return { name: "env", variable: n.value };
  }
}

function shellQuote(flag: string): string {
  return /^[\w@%+=:,./[\]-]+$/.test(flag) ? flag : `'${flag.replaceAll("'", `'\\''`)}'`;
}
