/** The reader of the small files the configuration names (src/small_file.ts). */
import { assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { FileTooLarge, readSmallFile, readSmallFileSync } from "../src/small_file.ts";
import { tempDir } from "./_server.ts";

Deno.test("small files: read whole up to the limit, refused one byte over", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/ten`;
  await Deno.writeTextFile(file, "0123456789");
  assertEquals(new TextDecoder().decode(await readSmallFile(file, 10)), "0123456789");
  assertEquals(readSmallFileSync(file, 10).length, 10);
  await assertRejects(() => readSmallFile(file, 9), FileTooLarge, "larger than 9 bytes");
  assertThrows(() => readSmallFileSync(file, 9), FileTooLarge, "larger than 9 bytes");
});

Deno.test("small files: a FIFO is refused at once, without waiting for a writer", async () => {
  await using dir = await tempDir();
  const fifo = `${dir.path}/fifo`;
  assertEquals((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
  await assertRejects(() => readSmallFile(fifo, 1024), Error, "not a regular file");
  assertThrows(() => readSmallFileSync(fifo, 1024), Error, "not a regular file");
  await assertRejects(() => readSmallFile(dir.path, 1024), Error, "not a regular file");
});

Deno.test("small files: a missing file is Deno's NotFound", async () => {
  await assertRejects(() => readSmallFile("/nonexistent/file", 10), Deno.errors.NotFound);
});
