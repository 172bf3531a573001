/**
 * The running exporters of the configurations being served. Each generation of the served
 * configuration holds a lease on the exporters it scrapes. A new generation takes from the
 * pool the running exporter of the one it replaces where the exporter's kind survives reloads
 * and neither its path nor its configuration changed; it makes the others anew. A running
 * exporter is closed once no lease holds it any more: when the last generation using it has
 * answered its last request.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { Exporter, ExporterContext } from "./exporter.ts";
import { kindOf } from "./mod.ts";

/** One running exporter, and the leases that hold it. */
interface Running {
  /** Its path and configuration: what must not change for a generation to take it over. */
  readonly key: string;
  readonly exporter: Exporter;
  readonly holders: Set<ExporterLease>;
}

/** The running exporters, shared by the generations that hold them. */
export class ExporterPool {
  readonly #running = new Set<Running>();

  /** A new lease, for one generation. */
  lease(): ExporterLease {
    return new ExporterLease(this.#running);
  }
}

/** What one generation holds of the pool. */
export class ExporterLease {
  readonly #running: Set<Running>;

  /** A lease on the exporters of `running`, holding none yet. */
  constructor(running: Set<Running>) {
    this.#running = running;
  }

  /**
   * The running exporter of `config` at `context.path`: the one `from` holds when its kind
   * survives reloads and it is configured the same, else a new one.
   */
  async take(
    config: ExporterConfig,
    options: { context: ExporterContext; from?: ExporterLease | undefined },
  ): Promise<Exporter> {
    const kind = kindOf(config);
    const key = `${options.context.path}\u0000${JSON.stringify(config)}`;
    const from = options.from;
    if (kind.survivesReload && from !== undefined) {
      for (const running of this.#running) {
        if (running.key !== key || !running.holders.has(from)) continue;
        running.holders.add(this);
        return running.exporter;
      }
    }
    const exporter = await kind.create(config, options.context);
    this.#running.add({ key, exporter, holders: new Set([this]) });
    return exporter;
  }

  /** Lets go of every exporter it holds; closes those that no lease holds any more. */
  release(): void {
    for (const running of this.#running) {
      if (!running.holders.delete(this) || running.holders.size > 0) continue;
      this.#running.delete(running);
      running.exporter.close();
    }
  }
}
