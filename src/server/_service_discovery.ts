/**
 * `GET /-/sd`: the paths served, in the format of Prometheus's HTTP service discovery
 * (`http_sd_configs`): a JSON list of target groups, each with its `targets` and `labels`.
 * One group per path, or with `?per_exporter=true` one per exporter of each path, whose
 * scrapes ask for that exporter only (`?exporter=NAME`): one `up` per path, or one per
 * exporter.
 *
 * The target is where the client reached this endpoint: the host and port of the request's
 * URL (its Host header), with its scheme as `__scheme__`. The listener's bound address would
 * be no better: a wildcard (`[::]:9998`) is nowhere a client can connect to.
 * @module
 */
import type { PathConfig } from "../config/types.ts";

/** One target group of Prometheus's HTTP service discovery. */
export interface TargetGroup {
  /** `host:port` of each target. */
  readonly targets: readonly string[];
  /** The labels of every target of the group; those starting with `__` set how it is scraped. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What {@linkcode targetGroups} needs besides the paths. */
export interface TargetGroupOptions {
  /** `web.context_path`: "" or a prefix starting with "/". */
  readonly contextPath: string;
  /** The URL of the service discovery request: where its client reached the program. */
  readonly url: URL;
  /** One group per exporter rather than one per path. */
  readonly perExporter: boolean;
}

/** The target groups of `paths`, in configuration order. */
export function targetGroups(
  paths: readonly PathConfig[],
  options: TargetGroupOptions,
): TargetGroup[] {
  const { contextPath, url, perExporter } = options;
  const targets = [url.host];
  const scheme = url.protocol.slice(0, -1);
  return paths.flatMap((path) => {
    const labels = {
      __metrics_path__: contextPath + path.path,
      __scheme__: scheme,
      path: path.path,
    };
    if (!perExporter) return [{ targets, labels }];
    return path.exporters.map((exporter) => ({
      targets,
      labels: { ...labels, __param_exporter: exporter.name, exporter_name: exporter.name },
    }));
  });
}
