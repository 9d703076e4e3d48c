// The one typed client for the server's REST API (docs/server-api.md) and its live feed (SSE).
// Requests are authenticated by the session cookie (docs/security.md); no key lives in the page.
import { safeMediaPath, sameOrigin } from "./mediapath";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Project {
  entity: string;
  name: string;
  run_count: number;
  last_activity: number | null;
  created_at: number;
}

export type RunState = "running" | "finished" | "failed" | "crashed" | "killed" | string;

export interface MetricDef {
  step_metric?: string;
  step_sync?: boolean;
  hidden?: boolean;
  summary?: string[];
  goal?: string;
}

export interface Run {
  id: string;
  name: string;
  project: string;
  entity: string;
  state: RunState;
  created_at: number;
  updated_at: number;
  heartbeat_at: number | null;
  ended_at: number | null;
  runtime: number | null;
  tags: string[];
  notes: string | null;
  group: string | null;
  job_type: string | null;
  sweep_id: string | null;
  user: string | null;
  host: string | null;
  config: Record<string, Json>;
  summary: Record<string, Json>;
  metrics: Record<string, MetricDef>;
  last_step: number;
  history_rows: number;
  stop_requested_at?: number | null;
}

/** A run named by another object (the run that logged an artifact version). */
export type RunRef = Pick<Run, "id" | "name" | "project" | "entity" | "state" | "user">;

export interface GitInfo {
  commit?: string | null;
  remote?: string | null;
  branch?: string | null;
  dirty?: boolean | null;
}

export interface RunMetadata {
  host?: string;
  os?: string;
  python?: string;
  program?: string;
  args?: string[];
  cwd?: string;
  executable?: string;
  git?: GitInfo;
  [key: string]: Json | GitInfo | undefined;
}

export interface RunDetail extends Run {
  metadata: RunMetadata;
  exit_code: number | null;
  traceback: string | null;
}

export type Stream = "history" | "system";

export interface KeyInfo {
  key: string;
  kind: "number" | "histogram" | "image" | "images" | "table" | "other" | string;
  count: number;
}

export interface Buckets {
  x: number[];
  min: number[];
  max: number[];
  last: number[];
  count: number[];
}

export interface SeriesResponse extends Lattice {
  key: string;
  x: string;
  total: number;
  cursor: number;
  buckets: Buckets;
}

export interface SeriesQuery {
  key: string;
  x?: string;
  points?: number;
  x_min?: number;
  x_max?: number;
  stream?: Stream;
  after?: number;
}

export type HistoryRow = Record<string, Json> & { _step: number };

/** How the server bucketed a series (store/buckets.py): the x range its bucket width was
 * chosen for and the width (0: raw points). Non-finite values come as strings. */
export interface Lattice {
  lo?: number | string;
  hi?: number | string;
  width?: number | string;
}

/** One run's buckets in a many-run series response. */
export interface RunBuckets extends Lattice {
  id: string;
  total: number;
  cursor: number;
  buckets: Buckets;
}

export interface ProjectSeries {
  key: string;
  x: string;
  runs: RunBuckets[];
  missing: string[];
}

/** What `/run-ids` takes: the runs table's filter box, menus, sort and grouping. */
export interface RunQuery {
  filter?: string;
  state?: string;
  tag?: string;
  /** A column id: name, state, created, runtime, tags, user, host, step, config:K, summary:K. */
  sort?: string;
  order?: "asc" | "desc";
  group?: string;
}

export interface RunIds {
  ids: string[];
  total: number;
  sort: string | null;
  order: "asc" | "desc";
  group: string | null;
}

/** Each run's sampled values of one media key (`/projects/P/media`). */
export interface MediaRows {
  key: string;
  runs: { id: string; total: number; steps: number[]; values: Json[] }[];
  missing: string[];
}

export interface TablePage {
  columns: string[];
  total: number;
  rows: { index: number; cells: Json[] }[];
}

export type SweepState = "PENDING" | "RUNNING" | "PAUSED" | "CANCELED" | "FINISHED" | string;

export interface SweepListItem {
  id: string;
  project: string;
  name: string | null;
  state: SweepState;
  created_at: number;
  method: string | null;
}

export interface SweepRun {
  id: string;
  name: string;
  state: RunState;
  params: Record<string, Json>;
  value: number | string | null;
  agent: string | null;
  created_at: number;
}

export interface Sweep {
  id: string;
  project: string;
  entity: string;
  name: string | null;
  state: SweepState;
  config: Record<string, Json>;
  metric: { name: string; goal?: string; target?: number | null } | null;
  run_cap: number | null;
  created_at: number;
  runs: SweepRun[];
}

export interface ParamImportance {
  name: string;
  kind: "number" | "category";
  correlation: number | null;
  importance: number | null;
}

export interface SweepAnalysis {
  metric: string | null;
  goal: string;
  runs_used: number;
  params: ParamImportance[];
  /** Run ids, best first. */
  ranking: string[];
  /** The runs in creation order, with the best value so far. */
  progress: { id: string; value: number | string | null; best: number | null }[];
}

export interface ConsoleLine {
  id: number;
  stream: string;
  timestamp: number;
  text: string;
}

export interface RunFile {
  name: string;
  size: number;
  sha256: string;
  updated_at: number;
}

export type LiveEvent =
  | { type: "run"; run: Run }
  | {
      type: "history";
      run_id: string;
      project: string;
      /** The new rows; null when the batch was too large to inline (then fetch the range). */
      rows: HistoryRow[] | null;
      first_step?: number;
      last_step?: number;
      stream?: Stream;
    }
  | { type: "console"; run_id: string; project: string; lines: ConsoleLine[] };

export interface RunPatch {
  name?: string;
  tags?: string[];
  notes?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    /** The server's own words (its `detail`), without the status. */
    public reason: string = message,
  ) {
    super(message);
  }
}

/** The API's root, relative to the page so the app works under any path prefix. */
export function apiBase(): string {
  const page = location.href.split("#")[0].split("?")[0];
  return new URL("api/v1/", page).toString();
}

export function url(path: string, query?: Record<string, string | number | undefined | null>): string {
  const u = new URL(path.replace(/^\//, ""), apiBase());
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
    }
  }
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Whose project a name means: the server names a project by its name and the `entity` query
// parameter (docs/server-api.md); without it, it picks the one of that name the caller holds
// most rights on. The page's route sets the entity (router.ts), and every request for the
// page's project sends it.

let projectEntity: string | undefined;

/** The entity of the project the page shows (`""` is an entity too); undefined: not known
 * (a link from before entities were in URLs), so the server picks. */
export function setProjectEntity(entity: string | undefined): void {
  projectEntity = entity;
}

export function currentEntity(): string | undefined {
  return projectEntity;
}

/** `url()` for one of the page's project's routes: with `entity=` (empty too) when known. */
export function projectUrl(path: string, query?: Record<string, string | number | undefined | null>): string {
  const u = new URL(url(path, query));
  if (projectEntity !== undefined) u.searchParams.set("entity", projectEntity);
  return u.toString();
}

const enc = encodeURIComponent;

function runPath(project: string, runId: string): string {
  return `projects/${enc(project)}/runs/${enc(runId)}`;
}

/** Called when the server answers 401: the session is missing, expired or revoked. */
let onSignInNeeded: ((reason: string) => void) | null = null;

export function setSignInHandler(f: ((reason: string) => void) | null): void {
  onSignInNeeded = f;
}

/** Headers every state-changing request carries: JSON, and who sends it. A form on another
 * site can send neither, so the server can tell the dashboard's writes from forged ones. */
export const WRITE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/json",
  "X-Heron-Client": "dashboard",
};

export interface RequestOptions extends RequestInit {
  /** The caller handles a 401 itself (signing in), instead of showing the sign-in page. */
  own401?: boolean;
  /** Sent as the JSON body. */
  json?: unknown;
}

async function failure(res: Response, own401 = false): Promise<ApiError> {
  let reason = res.statusText;
  try {
    const body = await res.json();
    if (body && typeof body.detail === "string") reason = body.detail;
    else if (body && body.detail) reason = JSON.stringify(body.detail);
  } catch {
    /* not JSON */
  }
  if (res.status === 401 && !own401) onSignInNeeded?.(reason);
  return new ApiError(res.status, `${res.status}: ${reason}`, reason);
}

/** A same-origin request authenticated by the session cookie (never a key in the page). */
async function send(path: string, init: RequestOptions = {}): Promise<Response> {
  const { own401, json, ...rest } = init;
  const method = (rest.method ?? "GET").toUpperCase();
  const headers: Record<string, string> = {
    Accept: "application/json",
    ...(method === "GET" || method === "HEAD" ? {} : WRITE_HEADERS),
    ...(rest.headers as Record<string, string> | undefined),
  };
  const body = json === undefined ? rest.body : JSON.stringify(json);
  const res = await fetch(path, { ...rest, method, headers, body, credentials: "same-origin" });
  if (!res.ok) throw await failure(res, own401);
  return res;
}

/** A JSON request (an empty answer, such as 204, gives undefined). */
export async function request<T>(path: string, init: RequestOptions = {}): Promise<T> {
  const res = await send(path, init);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** JSON cannot hold NaN or +/-Inf: the server sends them as strings; charts need numbers. */
export function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (typeof v === "boolean") return v ? 1 : 0;
  return NaN;
}

function numbers(a: unknown[] | undefined): number[] {
  return a ? a.map(num) : [];
}

function fixSeries(s: SeriesResponse): SeriesResponse {
  const b = s.buckets ?? ({} as Buckets);
  s.buckets = {
    x: numbers(b.x),
    min: numbers(b.min),
    max: numbers(b.max),
    last: numbers(b.last),
    count: b.count ?? [],
  };
  return s;
}

/** Decode `/projects/P/series?format=binary` (see routes/workspace.py: encode_binary). */
export function decodeSeries(buf: ArrayBuffer): ProjectSeries {
  const view = new DataView(buf);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== "HSB1") throw new ApiError(0, "unexpected series response");
  const hlen = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hlen)));
  const base = 8 + hlen;
  const arr = (spec: [number, string] | undefined, n: number): number[] | null => {
    if (!spec) return null;
    const [off, kind] = spec;
    const at = base + off;
    const typed = kind === "i4" ? new Int32Array(buf, at, n) : kind === "f4" ? new Float32Array(buf, at, n) : new Float64Array(buf, at, n);
    return Array.from(typed);
  };
  const runs: RunBuckets[] = header.runs.map((r: Lattice & { id: string; total: number; cursor: number; n: number; x: [number, string]; last: [number, string]; min?: [number, string]; max?: [number, string]; count?: [number, string] }) => {
    const last = arr(r.last, r.n)!;
    return {
      id: r.id,
      total: r.total,
      cursor: r.cursor,
      lo: r.lo,
      hi: r.hi,
      width: r.width,
      buckets: {
        x: arr(r.x, r.n)!,
        last,
        min: arr(r.min, r.n) ?? last,
        max: arr(r.max, r.n) ?? last,
        count: arr(r.count, r.n) ?? new Array<number>(r.n).fill(1),
      },
    };
  });
  return { key: header.key, x: header.x, runs, missing: header.missing ?? [] };
}

async function requestBinary(path: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  return (await send(path, { signal })).arrayBuffer();
}

export const api = {
  projects: (signal?: AbortSignal) => request<Project[]>(url("projects"), { signal }),

  runs: (project: string, signal?: AbortSignal) =>
    request<Run[]>(projectUrl(`projects/${enc(project)}/runs`), { signal }),

  run: (project: string, runId: string, signal?: AbortSignal) =>
    request<RunDetail>(projectUrl(runPath(project, runId)), { signal }),

  patchRun: (project: string, runId: string, patch: RunPatch) =>
    request<RunDetail | Run | Record<string, unknown>>(projectUrl(runPath(project, runId)), {
      method: "PATCH",
      json: patch,
    }),

  stopRun: (project: string, runId: string) =>
    request<RunDetail>(projectUrl(`${runPath(project, runId)}/stop`), { method: "POST", json: {} }),

  keys: (project: string, runId: string, stream: Stream = "history", signal?: AbortSignal) =>
    request<KeyInfo[]>(projectUrl(`${runPath(project, runId)}/keys`, { stream }), { signal }),

  series: async (project: string, runId: string, q: SeriesQuery, signal?: AbortSignal) =>
    fixSeries(
      await request<SeriesResponse>(
        projectUrl(`${runPath(project, runId)}/series`, {
          key: q.key,
          x: q.x,
          points: q.points !== undefined ? Math.max(2, Math.round(q.points)) : undefined,
          x_min: q.x_min,
          x_max: q.x_max,
          stream: q.stream && q.stream !== "history" ? q.stream : undefined,
          after: q.after,
        }),
        { signal },
      ),
    ),

  /** One metric of many runs, bucketed, in one binary response. */
  projectSeries: async (project: string, runIds: string[], q: SeriesQuery, signal?: AbortSignal) =>
    decodeSeries(
      await requestBinary(
        projectUrl(`projects/${enc(project)}/series`, {
          key: q.key,
          runs: runIds.join(","),
          x: q.x,
          points: q.points !== undefined ? Math.max(2, Math.round(q.points)) : undefined,
          x_min: q.x_min,
          x_max: q.x_max,
          stream: q.stream && q.stream !== "history" ? q.stream : undefined,
          format: "binary",
        }),
        signal,
      ),
    ),

  /** The ids of the runs that match the table's filter, in its order (the server decides). */
  runIds: (project: string, q: RunQuery, signal?: AbortSignal) =>
    request<RunIds>(projectUrl(`projects/${enc(project)}/run-ids`, { ...q }), { signal }),

  /** Each run's values of a media key (images, histograms, tables), at most `limit` steps. */
  media: (project: string, key: string, runIds: string[], limit = 200, signal?: AbortSignal) =>
    request<MediaRows>(projectUrl(`projects/${enc(project)}/media`, { key, runs: runIds.join(","), limit }), { signal }),

  /** One page of a logged table file, sorted by a column on the server. */
  tablePage: (path: string, q: { offset: number; limit: number; sort?: number | null; order?: "asc" | "desc" }, signal?: AbortSignal) =>
    request<TablePage>(url("tables", { path, offset: q.offset, limit: q.limit, sort: q.sort ?? undefined, order: q.order }), { signal }),

  /** The URL of a stored media file from its reference's `path` (`media/ab/...png`); null
   * when the path is not one of the server's media files (see mediapath.ts). */
  mediaUrl: (path: string): string | null => {
    const safe = safeMediaPath(path);
    return safe === null ? null : sameOrigin(url(safe), location.origin);
  },

  sweeps: (project: string, signal?: AbortSignal) => request<SweepListItem[]>(projectUrl("sweeps", { project }), { signal }),

  sweep: (id: string, signal?: AbortSignal) => request<Sweep>(url(`sweeps/${enc(id)}`), { signal }),

  /** `importance: false`: without the random forest (fast; the forest may take a second). */
  sweepAnalysis: (id: string, importance = true, signal?: AbortSignal) =>
    request<SweepAnalysis>(url(`sweeps/${enc(id)}/analysis`, { importance: importance ? undefined : "false" }), { signal }),

  setSweepState: (id: string, action: "pause" | "resume" | "stop" | "cancel") =>
    request<{ state: string }>(url(`sweeps/${enc(id)}/state`), {
      method: "POST",
      json: { action },
    }),

  history: (
    project: string,
    runId: string,
    keys: string[],
    opts: { min_step?: number; max_step?: number; stream?: Stream } = {},
    signal?: AbortSignal,
  ) =>
    request<{ rows: HistoryRow[] }>(
      projectUrl(`${runPath(project, runId)}/history`, { keys: keys.join(","), ...opts }),
      { signal },
    ),

  console: (project: string, runId: string, after = 0, limit = 5000, signal?: AbortSignal) =>
    request<{ lines: ConsoleLine[] }>(projectUrl(`${runPath(project, runId)}/console`, { after, limit }), {
      signal,
    }),

  files: (project: string, runId: string, signal?: AbortSignal) =>
    request<RunFile[]>(projectUrl(`${runPath(project, runId)}/files`), { signal }),

  fileUrl: (project: string, runId: string, name: string) =>
    projectUrl(`${runPath(project, runId)}/files/${name.split("/").map(enc).join("/")}`),
};

// ---------------------------------------------------------------------------------------------
// Live feed

export type LiveStatus = "connecting" | "live" | "reconnecting";

type Listener = (ev: LiveEvent) => void;
type StatusListener = (s: LiveStatus) => void;

/**
 * One SSE subscription to `/live?project=P[&run=R]`, shared by every component that listens.
 * The browser resends `Last-Event-ID` on its own reconnects; when it gives up (the stream
 * closed with an error) we reconnect with `cursor=<last id>` so no event is missed.
 */
export class LiveFeed {
  private source: EventSource | null = null;
  private listeners = new Set<Listener>();
  private statusListeners = new Set<StatusListener>();
  private cursor: string | null = null;
  private retry = 500;
  private timer: number | undefined;
  private closed = false;
  status: LiveStatus = "connecting";

  /** The entity of the page's project when the feed opened (see `setProjectEntity`). */
  readonly entity = currentEntity();

  constructor(
    readonly project: string,
    readonly run?: string,
  ) {
    this.open();
  }

  private setStatus(s: LiveStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  private feedUrl(): string {
    const u = new URL(url("live", { project: this.project, run: this.run, cursor: this.cursor ?? undefined }));
    if (this.entity !== undefined) u.searchParams.set("entity", this.entity);
    return u.toString();
  }

  private open(): void {
    if (this.closed) return;
    const src = new EventSource(
      this.feedUrl(),
    );
    this.source = src;
    src.onopen = () => {
      this.retry = 500;
      this.setStatus("live");
    };
    src.onmessage = (msg: MessageEvent<string>) => {
      if (msg.lastEventId) this.cursor = msg.lastEventId;
      let ev: LiveEvent;
      try {
        ev = JSON.parse(msg.data) as LiveEvent;
      } catch {
        return;
      }
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch (err) {
          console.error("live listener failed", err);
        }
      }
    };
    src.onerror = () => {
      if (src.readyState === EventSource.CLOSED) {
        // The stream cannot say why it closed: ask who we are (a 401 shows the sign-in page).
        request(url("me")).catch(() => undefined);
        this.setStatus("reconnecting");
        src.close();
        this.timer = window.setTimeout(() => this.open(), this.retry);
        this.retry = Math.min(this.retry * 2, 10000);
      } else {
        this.setStatus("reconnecting");
      }
    };
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onStatus(l: StatusListener): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.source?.close();
    this.listeners.clear();
    this.statusListeners.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Artifacts (docs/artifacts.md; routes/artifacts.py)

/** One artifact version (`v0`, `v1`, ...) of a collection, with the run that logged it. */
export interface ArtifactVersion {
  id: number;
  entity: string;
  project: string;
  name: string;
  type: string;
  /** The number: version 3 is `v3`. */
  version: number;
  digest: string;
  description: string | null;
  metadata: Record<string, Json>;
  size: number;
  file_count: number;
  aliases: string[];
  created_at: number;
  updated_at: number;
  /** null once the run that logged it was deleted. */
  logged_by: RunRef | null;
}

/** A name in a project (its versions share it), with its type. */
export interface ArtifactCollection {
  entity: string;
  project: string;
  name: string;
  type: string;
  description: string | null;
  created_at: number;
  version_count: number;
}

/** One file of a version: stored (`media`, read with `mediaUrl`) or a reference (`ref`). */
export interface ArtifactEntry {
  path: string;
  size: number;
  sha256: string | null;
  media: string | null;
  ref: string | null;
}

/** The first bytes of a stored file, decoded as UTF-8 text. */
export interface FileHead {
  text: string;
  /** The file is longer than what was read. */
  truncated: boolean;
  /** A NUL byte in what was read: not text. */
  binary: boolean;
}

/** Whether bytes read as UTF-8 text: no NUL, and valid UTF-8 (a character cut at the end of
 * a partial read allowed). */
function isText(bytes: Uint8Array, partial: boolean): boolean {
  if (bytes.includes(0)) return false;
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let cut = 0; cut <= (partial ? 3 : 0); cut++) {
    try {
      strict.decode(bytes.subarray(0, bytes.length - cut));
      return true;
    } catch {
      /* not valid UTF-8 (yet) */
    }
  }
  return false;
}

export const artifactApi = {
  /** The project's versions (of one name or type), by collection, newest first. */
  versions: (project: string, q: { name?: string; type?: string } = {}, signal?: AbortSignal) =>
    request<ArtifactVersion[]>(projectUrl(`projects/${enc(project)}/artifacts`, q), { signal }),

  collections: (project: string, type?: string, signal?: AbortSignal) =>
    request<ArtifactCollection[]>(projectUrl(`projects/${enc(project)}/artifact-collections`, { type }), { signal }),

  /** One version by alias (`latest`, `best`) or number (`v3`). */
  version: (project: string, name: string, alias: string, signal?: AbortSignal) =>
    request<ArtifactVersion>(projectUrl(`projects/${enc(project)}/artifacts/${enc(name)}/${enc(alias)}`), { signal }),

  byId: (id: number, signal?: AbortSignal) => request<ArtifactVersion>(url(`artifacts/${id}`), { signal }),

  files: (id: number, signal?: AbortSignal) => request<ArtifactEntry[]>(url(`artifacts/${id}/files`), { signal }),

  /** The runs that used the version, in the order they did. */
  users: (id: number, signal?: AbortSignal) => request<Run[]>(url(`artifacts/${id}/users`), { signal }),

  /** The versions a run logged, or (`used`) used. */
  ofRun: (project: string, runId: string, used: boolean, signal?: AbortSignal) =>
    request<ArtifactVersion[]>(projectUrl(`${runPath(project, runId)}/artifacts`, { used: String(used) }), { signal }),

  /** The first `limit` bytes of a stored file (`media/...`; null: the path is refused). */
  head: async (mediaPath: string, limit: number, signal?: AbortSignal): Promise<FileHead | null> => {
    const at = api.mediaUrl(mediaPath);
    if (at === null) return null;
    const res = await send(at, { signal, headers: { Accept: "*/*", Range: `bytes=0-${limit - 1}` } });
    const reader = res.body?.getReader();
    const parts: Uint8Array[] = [];
    let got = 0;
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        got += value.length;
        if (got >= limit) {
          await reader.cancel().catch(() => undefined);
          break;
        }
      }
    }
    const bytes = new Uint8Array(Math.min(got, limit));
    let at0 = 0;
    for (const p of parts) {
      const take = p.subarray(0, bytes.length - at0);
      bytes.set(take, at0);
      at0 += take.length;
      if (at0 >= bytes.length) break;
    }
    // How long the whole file is: a 206 says `bytes 0-N/TOTAL`; a 200 (no range support) is it.
    const total = Number(res.status === 206 ? (res.headers.get("Content-Range") ?? "").split("/")[1] : res.headers.get("Content-Length"));
    const more = got > limit || (Number.isFinite(total) && total > bytes.length);
    return { text: new TextDecoder().decode(bytes), truncated: more, binary: !isText(bytes, more) };
  },

  /** A stored file's bytes (for a download under its artifact path's name). */
  blob: async (mediaPath: string, signal?: AbortSignal): Promise<Blob | null> => {
    const at = api.mediaUrl(mediaPath);
    if (at === null) return null;
    return (await send(at, { signal, headers: { Accept: "*/*" } })).blob();
  },
};
