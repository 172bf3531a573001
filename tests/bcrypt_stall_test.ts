/**
 * Wrong bcrypt passwords cannot take the program's thread from other requests (issue 14,
 * item 8): 20 clients send them for 5 s while another path is scraped.
 */
import bcrypt from "bcryptjs";
import { assert, assertEquals } from "./_assert.ts";
import { startServer, tempDir, valueOf } from "./_server.ts";
import { percentile } from "../bench/load.ts";

const ATTACKERS = 20;
const ATTACK_MS = 5_000;

Deno.test("20 clients sending wrong bcrypt passwords for 5 s: another path's p99 under 200 ms", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/open.prom`, "open_metric 1\n");
  // Cost 10, as htpasswd -B makes by default: about 65 ms of bcryptjs a comparison.
  const hash = bcrypt.hashSync("right", 10);
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /guarded
    auth: {basic_auth: [{username: prometheus, password_hash: "${hash}"}]}
    exporters: {file: [{name: guarded, path: open.prom}]}
  - path: /open
    exporters: {file: [{name: open, path: open.prom}]}
`,
  );
  const wrong = `Basic ${btoa("prometheus:wrong")}`;
  const until = performance.now() + ATTACK_MS;
  const statuses = new Map<number, number>();
  const attack = async () => {
    while (performance.now() < until) {
      const response = await fetch(server.url("/guarded"), { headers: { Authorization: wrong } });
      await response.body?.cancel();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  const latencies: number[] = [];
  const probe = async () => {
    // Let the attack start first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    while (performance.now() < until) {
      const started = performance.now();
      const body = await (await fetch(server.url("/open"))).text();
      latencies.push(performance.now() - started);
      assertEquals(valueOf(body, 'open_metric{exporter_name="open"}'), 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await Promise.all([probe(), ...Array.from({ length: ATTACKERS }, attack)]);
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 0.99);
  const p50 = percentile(latencies, 0.5);
  const answered = [...statuses].map(([status, n]) => `${n} x ${status}`).join(", ");
  const summary = `/open p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ` +
    `${latencies.length} requests; wrong passwords answered ${answered}`;
  assert(p99 < 200, summary);
  // Every wrong password was refused, checked (401) or turned away while the checks were
  // queued to their limit (429).
  assert([...statuses.keys()].every((status) => status === 401 || status === 429), summary);
  assert((statuses.get(401) ?? 0) > 0, summary);
  // The right password still gets in once the attack is over.
  const right = await fetch(server.url("/guarded"), {
    headers: { Authorization: `Basic ${btoa("prometheus:right")}` },
  });
  assertEquals(right.status, 200, await right.text());
});
