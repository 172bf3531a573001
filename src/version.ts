/** The program's version, from deno.json, and the User-Agent it scrapes with. */
import denoJson from "../deno.json" with { type: "json" };

/** The version of reverse_exporter. */
export const VERSION: string = denoJson.version;

/** The User-Agent header of every scrape of an http exporter. */
export const USER_AGENT = `reverse_exporter/${VERSION}`;
