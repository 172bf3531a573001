/**
 * A headless Chromium (Debian's `chromium`) driven through the DevTools protocol: open a page
 * at a window size, evaluate a script in it, take a screenshot. Loopback only, a fresh profile,
 * no background networking.
 */

/** A page of a running headless Chromium. */
export interface BrowserPage extends AsyncDisposable {
  /** Loads `url` in a window of `width` x `height` CSS pixels; resolves once it has loaded. */
  open(url: string, size: { width: number; height: number }): Promise<void>;
  /** The value of `expression`, evaluated in the page (JSON values only). */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the window. */
  screenshot(): Promise<Uint8Array>;
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--hide-scrollbars",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

/** Starts Chromium with a fresh profile in `dir` and connects to its first page. */
export async function openBrowser(dir: string): Promise<BrowserPage> {
  const child = new Deno.Command("chromium", {
    args: [...FLAGS, `--user-data-dir=${dir}`, "about:blank"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const endpoint = await devToolsEndpoint(child.stderr);
    const targets: { type: string; webSocketDebuggerUrl: string }[] =
      await (await fetch(`http://${endpoint}/json/list`)).json();
    const page = targets.find((t) => t.type === "page");
    if (page === undefined) throw new Error(`no page among ${JSON.stringify(targets)}`);
    const session = await DevToolsSession.connect(page.webSocketDebuggerUrl);
    await session.send("Page.enable");
    return {
      async open(url, { width, height }) {
        await session.send("Emulation.setDeviceMetricsOverride", {
          width,
          height,
          deviceScaleFactor: 1,
          mobile: false,
        });
        const loaded = session.next("Page.loadEventFired");
        await session.send("Page.navigate", { url });
        await loaded;
      },
      async evaluate<T>(expression: string) {
        const result = await session.send("Runtime.evaluate", {
          expression,
          returnByValue: true,
        }) as { result: { value: T }; exceptionDetails?: unknown };
        if (result.exceptionDetails !== undefined) {
          throw new Error(`in the page: ${JSON.stringify(result.exceptionDetails)}`);
        }
        return result.result.value;
      },
      async screenshot() {
        const { data } = await session.send("Page.captureScreenshot", { format: "png" }) as {
          data: string;
        };
        return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      },
      async [Symbol.asyncDispose]() {
        session.close();
        child.kill("SIGTERM");
        await child.status;
      },
    };
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  }
}

/** The host:port of the DevTools endpoint, from the line Chromium writes when it listens. */
async function devToolsEndpoint(stderr: ReadableStream<Uint8Array>): Promise<string> {
  let seen = "";
  const timer = setTimeout(() => stderr.cancel(), 30_000);
  try {
    for await (const chunk of stderr.pipeThrough(new TextDecoderStream())) {
      seen += chunk;
      const match = /DevTools listening on ws:\/\/([\d.]+:\d+)\//.exec(seen);
      if (match) return match[1]!;
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`Chromium did not start: ${seen}`);
}

/** One WebSocket to a DevTools target: commands and their answers, and events. */
class DevToolsSession {
  readonly #socket: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, (message: Record<string, unknown>) => void>();
  readonly #waiting = new Map<string, () => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (typeof message.id === "number") this.#pending.get(message.id)?.(message);
      else this.#waiting.get(message.method)?.();
    };
  }

  static connect(url: string): Promise<DevToolsSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new DevToolsSession(socket));
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
  }

  /** Sends a command; resolves to its result, rejects with its error (or after 30 s). */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 30 s`)), 30_000);
      this.#pending.set(id, (message) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves at the next event `method` (within 30 s). */
  next(method: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} in 30 s`)), 30_000);
      this.#waiting.set(method, () => {
        clearTimeout(timer);
        this.#waiting.delete(method);
        resolve();
      });
    });
  }

  close(): void {
    this.#socket.close();
  }
}
