// The preview of one artifact file: an image from its `media/...` path, the first 200 KB of a
// text, JSON or CSV file (a CSV, or a logged table's JSON, as a table), and its download link.
// Everything is rendered as text: a file holding HTML shows that HTML.
import { useState } from "preact/hooks";
import { api, artifactApi, type ArtifactEntry, type FileHead, type Json } from "../api";
import { basename, parseCsv, previewKind, tableFromJson, type ParsedTable } from "../artifactfiles";
import { downloadBlob } from "../download";
import { bytes } from "../format";
import { useLoad } from "../useLoad";

/** How much of a file a text preview reads. */
export const PREVIEW_BYTES = 200 * 1024;
/** Rows a table preview shows. */
const PREVIEW_ROWS = 500;

/** A link that saves a stored file under its artifact name (the server names it by hash). */
export function DownloadLink({ entry, label = "Download" }: { entry: ArtifactEntry; label?: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const at = entry.media ? api.mediaUrl(entry.media) : null;
  if (!entry.media) return <span class="muted">–</span>;
  if (at === null) return <span class="media-refused inline">media path refused</span>;
  const name = basename(entry.path);
  const onClick = (e: MouseEvent) => {
    e.preventDefault();
    if (busy || !entry.media) return;
    setBusy(true);
    setError(null);
    artifactApi
      .blob(entry.media)
      .then((blob) => blob && downloadBlob(blob, name))
      .catch((err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  return (
    <span class="download">
      <a href={at} download={name} onClick={onClick} data-download={entry.path} title={`Download ${entry.path} (${bytes(entry.size)})`}>
        {busy ? "…" : label}
      </a>
      {error && <span class="error">{error}</span>}
    </span>
  );
}

function TablePreview({ table, note }: { table: ParsedTable; note: string | null }) {
  return (
    <div class="preview-table-wrap">
      <table class="table preview-table" data-preview="table">
        <thead>
          <tr>
            {table.columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {(table.more || note) && <div class="muted preview-note">{note ?? `the first ${table.rows.length} rows`}</div>}
    </div>
  );
}

function TextPreview({ text, note }: { text: string; note: string | null }) {
  return (
    <>
      <pre class="preview-text" data-preview="text">{text}</pre>
      {note && <div class="muted preview-note">{note}</div>}
    </>
  );
}

function Body({ entry, head }: { entry: ArtifactEntry; head: FileHead }) {
  const kind = previewKind(entry.path);
  const note = head.truncated ? `the first ${bytes(PREVIEW_BYTES)} of ${bytes(entry.size)}` : null;
  if (head.binary) return <div class="muted preview-empty">A binary file: no preview. Download it to look inside.</div>;
  if (kind === "csv") {
    const table = parseCsv(head.text, {
      delimiter: entry.path.toLowerCase().endsWith(".tsv") ? "\t" : ",",
      truncated: head.truncated,
      maxRows: PREVIEW_ROWS,
    });
    return <TablePreview table={table} note={note ?? (table.more ? `the first ${table.rows.length} rows` : null)} />;
  }
  if (kind === "json" && !head.truncated) {
    let value: Json | undefined;
    try {
      value = JSON.parse(head.text) as Json;
    } catch {
      value = undefined;
    }
    if (value !== undefined) {
      const table = tableFromJson(value, PREVIEW_ROWS);
      if (table) return <TablePreview table={table} note={table.more ? `the first ${table.rows.length} rows` : null} />;
      return <TextPreview text={JSON.stringify(value, null, 2)} note={null} />;
    }
  }
  return <TextPreview text={head.text} note={note} />;
}

function Fetched({ entry, media }: { entry: ArtifactEntry; media: string }) {
  const { data, error } = useLoad((signal) => artifactApi.head(media, PREVIEW_BYTES, signal), [media]);
  if (error) return <div class="error preview-empty">Could not read the file: {error}</div>;
  if (data === null) return <div class="loading">Loading…</div>;
  return <Body entry={entry} head={data} />;
}

export function FilePreview({ entry }: { entry: ArtifactEntry }) {
  const kind = previewKind(entry.path);
  let body;
  if (entry.ref !== null && !entry.media) {
    body = (
      <div class="muted preview-empty">
        A reference, kept where it is and not stored here: <code class="wrap">{entry.ref}</code>
      </div>
    );
  } else if (!entry.media) {
    body = <div class="muted preview-empty">Not stored on this server.</div>;
  } else if (kind === "image") {
    const at = api.mediaUrl(entry.media);
    body =
      at === null ? (
        <div class="media-refused">media path refused</div>
      ) : (
        <div class="preview-image">
          <img src={at} alt={entry.path} data-preview="image" />
        </div>
      );
  } else if (api.mediaUrl(entry.media) === null) {
    body = <div class="media-refused">media path refused</div>;
  } else {
    body = <Fetched key={entry.media} entry={entry} media={entry.media} />;
  }
  return (
    <div class="card artifact-preview" data-preview-of={entry.path}>
      <div class="card-head">
        <span class="card-title preview-title" title={entry.path}>{entry.path}</span>
        <span class="muted">{bytes(entry.size)}</span>
        <span class="spacer" />
        {entry.media && <DownloadLink entry={entry} />}
      </div>
      <div class="preview-body">{body}</div>
    </div>
  );
}
