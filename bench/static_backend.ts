/** The static backend of the end-to-end benchmarks: Debian's nginx, or a built-in server. */
import { freePort, installed, type Service, startService, versionOf } from "./processes.ts";

/** A running static backend and what it is. */
export interface StaticBackend {
  readonly service: Service;
  /** What serves the files, for the report (`nginx/1.22.1`, `built-in Deno server`). */
  readonly description: string;
  /** Whether it can delay an answer (`?delay_ms=N`); nginx cannot. */
  readonly delays: boolean;
}

/** Serves the files of `dir` (absolute) with nginx when installed, else with the built-in server. */
export async function startStaticBackend(
  dir: string,
  options: { workDir: string; preferNginx: boolean },
): Promise<StaticBackend> {
  if (options.preferNginx && await installed("nginx", "-v")) {
    return {
      service: await startNginx(dir, options.workDir),
      description: (await versionOf("nginx", "-v")).replace(/^nginx version: /, ""),
      delays: false,
    };
  }
  return { service: await startBuiltin(dir), description: "built-in Deno server", delays: true };
}

/** The built-in server of `static_server.ts`, in its own process. */
export function startBuiltin(dir: string): Promise<Service> {
  const port = freePort();
  const script = new URL("./static_server.ts", import.meta.url).pathname;
  return startService("deno", [
    "run",
    "--no-prompt",
    `--allow-net=127.0.0.1:${port}`,
    `--allow-read=${dir}`,
    script,
    String(port),
    dir,
  ], { name: "built-in static server", port });
}

/** nginx as one process (no master), everything it writes under `workDir`. */
async function startNginx(dir: string, workDir: string): Promise<Service> {
  const port = freePort();
  await Deno.mkdir(`${workDir}/nginx`, { recursive: true });
  const prefix = `${workDir}/nginx`;
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `  ${kind}_temp_path ${prefix}/${kind}_temp;`)
    .join("\n");
  const config = `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
${temp}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { }
  default_type "text/plain; version=0.0.4; charset=utf-8";
  server {
    listen 127.0.0.1:${port};
    root ${dir};
  }
}
`;
  await Deno.writeTextFile(`${prefix}/nginx.conf`, config);
  return startService(
    "nginx",
    ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
    { name: "nginx", port },
  );
}
