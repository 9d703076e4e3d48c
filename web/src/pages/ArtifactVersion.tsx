// One artifact version (`#/p/P/artifacts/NAME/ALIAS[?file=PATH]`): its details, description,
// metadata, lineage (producer run -> version -> consumer runs), and its files with a preview of
// the selected one. Every name, description and metadata value is shown as text.
import { useState } from "preact/hooks";
import { artifactApi, type ArtifactEntry, type ArtifactVersion } from "../api";
import { previewKind, versionName } from "../artifactfiles";
import { Empty, Spinner } from "../components/bits";
import { LineageGraph } from "../components/LineageGraph";
import { Tree } from "../components/Tree";
import { bytes, dateTime, relTime } from "../format";
import { href, linkTo } from "../router";
import { useLoad } from "../useLoad";
import { VersionActions } from "./ArtifactEdit";
import { Aliases, ProducerLink } from "./Artifacts";
import { DownloadLink, FilePreview } from "./ArtifactPreview";

function VersionPicker({ version }: { version: ArtifactVersion }) {
  const { data } = useLoad((signal) => artifactApi.versions(version.project, { name: version.name }, signal), [version.project, version.name]);
  if (!data || data.length < 2) return null;
  const label = (v: ArtifactVersion) => `${versionName(v.version)}${v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}`;
  return (
    <label class="field">
      Version
      <select
        class="select version-picker"
        aria-label="Version"
        value={versionName(version.version)}
        onChange={(e) => {
          location.hash = href.artifact(linkTo(version), version.name, (e.target as HTMLSelectElement).value);
        }}
      >
        {[...data].sort((a, b) => b.version - a.version).map((v) => (
          <option key={v.id} value={versionName(v.version)}>
            {label(v)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Details({ version }: { version: ArtifactVersion }) {
  const rows: [string, preact.ComponentChildren][] = [
    ["Type", version.type],
    ["Version", versionName(version.version)],
    ["Aliases", version.aliases.length ? <Aliases aliases={version.aliases} /> : "–"],
    ["Size", bytes(version.size)],
    ["Files", String(version.file_count)],
    ["Created", `${dateTime(version.created_at)} (${relTime(version.created_at)})`],
    ["Updated", dateTime(version.updated_at)],
    ["Logged by", <ProducerLink version={version} />],
    ["Digest", <code title={version.digest}>{version.digest.slice(0, 24)}</code>],
    ["Id", <code>{String(version.id)}</code>],
  ];
  return (
    <div class="card info-card artifact-details">
      <dl class="kv">
        {rows.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`}>{v}</dd>])}
      </dl>
      <div class="artifact-description-wrap">
        <div class="card-title">Description</div>
        {version.description ? (
          <p class="artifact-description" data-description>{version.description}</p>
        ) : (
          <p class="muted">No description.</p>
        )}
      </div>
    </div>
  );
}

function Lineage({ version }: { version: ArtifactVersion }) {
  const { data, error } = useLoad((signal) => artifactApi.users(version.id, signal), [version.id]);
  return (
    <div class="card artifact-lineage">
      <div class="card-head">
        <span class="card-title">Lineage</span>
        <span class="muted">the run that logged this version, and the runs that used it</span>
      </div>
      <div class="lineage-wrap">
        {error ? <div class="error">{error}</div> : data ? <LineageGraph version={version} consumers={data} /> : <Spinner />}
      </div>
    </div>
  );
}

/** Files the table lists at once; a filter finds the others. */
const FILE_ROWS = 500;

function Files({ version, alias, file }: { version: ArtifactVersion; alias: string; file: string | null }) {
  const { data, error } = useLoad((signal) => artifactApi.files(version.id, signal), [version.id]);
  const [q, setQ] = useState("");
  if (error) return <Empty title="Could not list the files">{error}</Empty>;
  if (!data) return <Spinner />;
  if (!data.length) return <Empty title="No files">This version holds no files.</Empty>;
  const previewable = (f: ArtifactEntry) => !!f.media && previewKind(f.path) !== "other";
  const selected = file !== null ? data.find((f) => f.path === file) : (data.find(previewable) ?? data[0]);
  const needle = q.trim().toLowerCase();
  const matching = needle ? data.filter((f) => f.path.toLowerCase().includes(needle)) : data;
  const rows = matching.slice(0, FILE_ROWS);
  return (
    <div class="artifact-files">
      <div class="card">
        <div class="card-head">
          <span class="card-title">Files</span>
          <span class="muted">{needle ? `${matching.length} of ${data.length}` : data.length}</span>
          <span class="spacer" />
          {data.length > 10 && (
            <input class="input input-sm" type="search" placeholder="Filter files" aria-label="Filter files" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          )}
        </div>
        <div class="files-scroll">
          <table class="table files-table artifact-files-table">
            <thead>
              <tr>
                <th>Path</th>
                <th class="right">Size</th>
                <th>SHA-256</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.path} class={f === selected ? "row-selected" : ""} data-file={f.path}>
                  <td class="file-path">
                    <a href={href.artifact(linkTo(version), version.name, alias, f.path)} class="file-link" title={f.path}>
                      {f.path}
                    </a>
                    {f.ref !== null && <span class="badge" title={f.ref}>reference</span>}
                  </td>
                  <td class="right num">{bytes(f.size)}</td>
                  <td>
                    <code class="muted" title={f.sha256 ?? ""}>{f.sha256 ? f.sha256.slice(0, 16) : "–"}</code>
                  </td>
                  <td class="right"><DownloadLink entry={f} label="⤓" /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {matching.length > rows.length && (
            <div class="table-empty">{`and ${matching.length - rows.length} more files: filter by path to find them`}</div>
          )}
        </div>
      </div>
      {selected ? (
        <FilePreview key={selected.path} entry={selected} />
      ) : (
        <Empty title="No such file">{`This version has no file ${file}.`}</Empty>
      )}
    </div>
  );
}

export function ArtifactVersionPage({ project, name, alias, file }: { project: string; name: string; alias: string; file: string | null }) {
  const { data: version, error, reload } = useLoad((signal) => artifactApi.version(project, name, alias, signal), [project, name, alias]);
  // After an edit the alias in the address may name another version (or none): go by number.
  const saved = (v: ArtifactVersion) => {
    const byNumber = href.artifact(project, name, versionName(v.version), file);
    if (location.hash === byNumber) reload();
    else location.hash = byNumber;
  };
  const back = <a class="btn btn-ghost" href={href.artifacts(project)}>← Artifacts</a>;
  if (error) {
    return (
      <div class="page">
        <div class="page-head"><h1 class="page-title">{`${name}:${alias}`}</h1><span class="spacer" />{back}</div>
        <Empty title={`Could not load ${name}:${alias}`}>{error}</Empty>
      </div>
    );
  }
  if (!version) return <div class="page"><Spinner label="Loading artifact…" /></div>;
  return (
    <div class="page artifact-page" data-artifact-id={version.id}>
      <div class="page-head">
        <h1 class="page-title" title={`${version.name}:${versionName(version.version)}`}>
          {version.name}
          <span class="muted">:{versionName(version.version)}</span>
        </h1>
        <span class="badge artifact-type-badge">{version.type}</span>
        <Aliases aliases={version.aliases} />
        <span class="spacer" />
        <VersionPicker version={version} />
        <VersionActions key={version.id} version={version} onSaved={saved} onDeleted={() => (location.hash = href.artifacts(project))} />
        {back}
      </div>
      <div class="artifact-overview">
        <Details version={version} />
        <Tree label="Metadata" data={version.metadata ?? {}} />
      </div>
      <Lineage version={version} />
      <Files version={version} alias={alias} file={file} />
    </div>
  );
}
