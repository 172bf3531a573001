/**
 * A local npm registry serving the project's npm packages, made from Deno's cache: runs of the
 * program on an empty `DENO_DIR` download from it (`NPM_CONFIG_REGISTRY`) as from the real
 * one, printing Deno's `Download ...` lines, without leaving loopback.
 */
import { REPO } from "./_server.ts";

/** The registry, and how to run Deno against it on an empty cache. */
export interface LocalRegistry extends AsyncDisposable {
  /** The paths asked for so far. */
  readonly requests: string[];
  /** `DENO_DIR` (a new empty folder) and `NPM_CONFIG_REGISTRY` for a run. */
  freshCache(): Promise<Record<string, string>>;
  /**
   * Deno flags for a run: the registry's tarballs are packed here, so their checksums are
   * not those of deno.lock.
   */
  readonly denoFlags: readonly string[];
}

interface Package {
  readonly name: string;
  readonly version: string;
  readonly packageJson: Record<string, unknown>;
  readonly tarball: Uint8Array;
  readonly integrity: string;
}

/** Packs the packages of deno.lock from Deno's cache under `dir` and serves them on 127.0.0.1. */
export async function serveCachedPackages(dir: string): Promise<LocalRegistry> {
  const packages = await packCachedPackages(dir);
  const requests: string[] = [];
  let caches = 0;
  return await new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => {
        const url = `http://127.0.0.1:${port}/`;
        resolve({
          requests,
          denoFlags: ["--no-lock"],
          freshCache: async () => {
            const denoDir = `${dir}/deno_dir_${caches++}`;
            await Deno.mkdir(denoDir);
            return { DENO_DIR: denoDir, NPM_CONFIG_REGISTRY: url };
          },
          [Symbol.asyncDispose]: () => server.shutdown(),
        });
      },
    }, (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      requests.push(path);
      for (const p of packages) {
        if (path === `/${p.name}`) return Response.json(packument(p, new URL(request.url).origin));
        if (path === tarballPath(p)) return new Response(p.tarball.slice());
      }
      return new Response("not found", { status: 404 });
    });
  });
}

function tarballPath(p: Package): string {
  return `/${p.name}/-/${p.name.split("/").pop()}-${p.version}.tgz`;
}

/** The registry's document of a package: its one version, where its tarball is, its checksum. */
function packument(p: Package, origin: string): unknown {
  return {
    name: p.name,
    "dist-tags": { latest: p.version },
    versions: {
      [p.version]: {
        ...p.packageJson,
        dist: { tarball: origin + tarballPath(p), integrity: p.integrity },
      },
    },
  };
}

/** Each npm package of deno.lock, packed from Deno's cache (installed first if missing). */
async function packCachedPackages(dir: string): Promise<Package[]> {
  await deno(["install", `--config=${REPO}deno.json`]);
  const info = JSON.parse(await deno(["info", "--json"]));
  const lock = JSON.parse(await Deno.readTextFile(`${REPO}deno.lock`));
  const packages: Package[] = [];
  for (const id of Object.keys(lock.npm)) {
    // "name@version", and "name@version_peer@version" for a package with peer dependencies.
    const [, name = "", version = ""] = /^(@?[^@]+)@([^_]+)/.exec(id) ?? [];
    const folder = `${info.npmCache}/registry.npmjs.org/${name}`;
    const tarballFile = `${dir}/${name.replaceAll("/", "_")}-${version}.tgz`;
    await run("tar", [
      ...["-czf", tarballFile, "-C", folder, `--transform=s,^${version},package,`, version],
    ]);
    const tarball = await Deno.readFile(tarballFile);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", tarball));
    packages.push({
      name,
      version,
      packageJson: JSON.parse(await Deno.readTextFile(`${folder}/${version}/package.json`)),
      tarball,
      integrity: `sha512-${btoa(String.fromCharCode(...digest))}`,
    });
  }
  return packages;
}

function deno(args: readonly string[]): Promise<string> {
  return run(Deno.execPath(), args);
}

async function run(command: string, args: readonly string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args: [...args],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`${command} ${args.join(" ")}: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}
