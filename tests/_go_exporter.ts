/**
 * The exporter of tests/fixtures/go_client_exporter, built with the real Prometheus Go client
 * (Debian's golang-go and golang-github-prometheus-client-golang-dev, offline, in GOPATH mode)
 * and run on 127.0.0.1 at a free port.
 */
import { assert, assertEquals } from "./_assert.ts";
import { installed } from "./_server.ts";

const GOPATH = "/usr/share/gocode";
const CLIENT = `${GOPATH}/src/github.com/prometheus/client_golang/prometheus`;
const SOURCE = new URL("fixtures/go_client_exporter/main.go", import.meta.url);

/** Why the Go exporter cannot be built here; undefined when it can. */
export async function missingGo(): Promise<string | undefined> {
  if (!(await installed("go"))) return "go (golang-go) not installed";
  try {
    await Deno.stat(CLIENT);
  } catch {
    return "the Go client (golang-github-prometheus-client-golang-dev) not installed";
  }
  return undefined;
}

/** Builds the exporter into `dir`; returns the path of its binary. */
export async function buildGoExporter(dir: string): Promise<string> {
  await Deno.copyFile(SOURCE, `${dir}/main.go`);
  // A build cache beside the temporary directories, kept from run to run (a build without
  // one takes some 20 s on 2 cores).
  const cache = `${dir.slice(0, dir.lastIndexOf("/"))}/reverse_exporter_go_cache`;
  const build = await new Deno.Command("go", {
    args: ["build", "-o", "exporter", "."],
    cwd: dir,
    env: { GO111MODULE: "off", GOPATH, GOCACHE: cache },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(build.success, `go build: ${new TextDecoder().decode(build.stderr)}`);
  return `${dir}/exporter`;
}

/** A running Go exporter: its metrics URL; it stops when disposed (its stdin closes). */
export interface GoExporter extends AsyncDisposable {
  readonly url: string;
}

/** Starts the exporter built at `binary`. */
export async function startGoExporter(binary: string): Promise<GoExporter> {
  const child = new Deno.Command(binary, { stdin: "piped", stdout: "piped", stderr: "inherit" })
    .spawn();
  const address = await firstLine(child.stdout, 10_000);
  assert(address.startsWith("listening on 127.0.0.1:"), address);
  return {
    url: `http://${address.slice("listening on ".length)}/metrics`,
    async [Symbol.asyncDispose]() {
      await child.stdin.close();
      assertEquals((await child.status).code, 0);
    },
  };
}

/** The first line a process writes, waiting at most `timeoutMs`. */
async function firstLine(stream: ReadableStream<Uint8Array>, timeoutMs: number): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!text.includes("\n")) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms: ${JSON.stringify(text)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms`)), left);
        }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) break;
      text += chunk.value;
    }
  } finally {
    await reader.cancel();
  }
  return text.split("\n")[0]!;
}
