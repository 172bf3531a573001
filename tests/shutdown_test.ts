/** Stopping the program stops every script it runs: none is left once it has exited. */
import { assert, assertEquals } from "./_assert.ts";
import {
  eventually,
  processesInProc,
  scriptPermissions,
  startServer,
  tempDir,
  writeScript,
} from "./_server.ts";

Deno.test("SIGTERM while an exec_cached script that ignores SIGTERM runs with a child: none left, exit 0", async () => {
  await using dir = await tempDir();
  const marker = "86431";
  // The script and its child ignore SIGTERM (an ignored signal stays ignored across exec).
  await writeScript(dir.path, "stubborn.sh", `trap '' TERM\nsleep ${marker} &\nsleep ${marker}`);
  const server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached: [{name: stubborn, command: ./stubborn.sh, exec_interval: 1h}]
`,
    { permissions: scriptPermissions(dir.path) },
  );
  try {
    await eventually(
      "the script and its child run",
      async () => (await processesInProc(`sleep ${marker}`)).length === 2,
    );
  } finally {
    assertEquals(await server.stop("SIGTERM"), 0);
  }
  // At once, not eventually: the program waited for them.
  assertEquals(await processesInProc(marker), []);
  assert(server.logs.some((l) => l.msg === "stopped"), JSON.stringify(server.logs));
});
