// What the artifact pages show of a file: its preview kind by name, a CSV parsed into rows, a
// logged table's JSON as rows. Pure functions (tested in web/test/artifactfiles.test.ts).
import type { Json } from "./api";

export type PreviewKind = "image" | "csv" | "json" | "text" | "other";

const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "webp", "bmp", "avif"]);
const CSV = new Set(["csv", "tsv"]);
const TEXT = new Set([
  "txt", "md", "log", "yaml", "yml", "toml", "ini", "cfg", "conf", "py", "sh", "rst", "xml",
  "html", "htm", "svg", "js", "ts", "c", "h", "cpp", "rs", "go", "java", "sql", "jsonl", "ndjson",
  "r", "tex", "properties", "env", "gitignore", "lock",
]);

/** The preview a file gets, by its name's last suffix. (An SVG or HTML file is shown as its
 * text, never rendered.) */
export function previewKind(path: string): PreviewKind {
  const base = basename(path).toLowerCase();
  const dot = base.lastIndexOf(".");
  const ext = dot >= 0 ? base.slice(dot + 1) : "";
  if (IMAGE.has(ext)) return "image";
  if (CSV.has(ext)) return "csv";
  if (ext === "json") return "json";
  if (TEXT.has(ext) || /^(readme|license|makefile|dockerfile)$/.test(base)) return "text";
  return "other";
}

export function basename(path: string): string {
  const parts = path.split("/");
  return parts[parts.length - 1] || path;
}

/** `v3` for version 3. */
export function versionName(version: number): string {
  return `v${version}`;
}

export interface ParsedTable {
  columns: string[];
  rows: string[][];
  /** Rows left out after `maxRows`, or because the text was cut (a partial last line). */
  more: boolean;
}

/**
 * Parse CSV (RFC 4180: quoted fields with `""`, commas and newlines inside quotes; `\t` for TSV)
 * into a header and rows. `truncated`: the text is the start of a longer file, so its last line
 * may be partial and is dropped.
 */
export function parseCsv(text: string, opts: { delimiter?: string; truncated?: boolean; maxRows?: number } = {}): ParsedTable {
  const sep = opts.delimiter ?? ",";
  const maxRows = opts.maxRows ?? 1000;
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  let ended = true; // the text ended at a record boundary
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < src.length) {
    const c = src[i];
    ended = false;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === sep) {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i += 1;
      record.push(field);
      if (record.length > 1 || record[0] !== "") records.push(record); // not a blank line
      record = [];
      field = "";
      ended = true;
      if (records.length > maxRows + 1) break;
    } else field += c;
    i += 1;
  }
  let cut = false;
  if (!ended) {
    if (opts.truncated) cut = true;
    else {
      record.push(field);
      records.push(record);
    }
  }
  const [columns = [], ...rows] = records;
  const more = rows.length > maxRows || cut || (i < src.length);
  return { columns, rows: rows.slice(0, maxRows), more };
}

/** A logged table's JSON (`{"columns": [...], "data": [[...], ...]}`) as text rows, else null. */
export function tableFromJson(value: Json, maxRows = 1000): ParsedTable | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { columns, data } = value as Record<string, Json>;
  if (!Array.isArray(columns) || !Array.isArray(data)) return null;
  const cell = (v: Json): string => (v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const rows = data.slice(0, maxRows).map((r) => (Array.isArray(r) ? r.map(cell) : [cell(r)]));
  return { columns: columns.map(cell), rows, more: data.length > maxRows };
}

/** What the version page's edit dialog parses: a value, or an error naming what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The metadata field: a JSON object (empty text is `{}`). */
export function parseMetadata(text: string): Parsed<Record<string, Json>> {
  if (!text.trim()) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `Metadata is not valid JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { ok: false, error: `Metadata must be a JSON object ({"key": value}), not ${kind}` };
  }
  return { ok: true, value: value as Record<string, Json> };
}

/** The aliases field: names separated by commas or spaces, each once, in the order typed.
 * (The server says which names it refuses, such as `v3` or one with a `/`.) */
export function parseAliases(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
