// A project's artifacts: its types, each type's collections, each collection's versions with
// their aliases, size, files, age and the run that logged them; a version opens its page.
// Collections and versions are read a page at a time (routes/artifacts.py: limit + after).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ArtifactCollection, ArtifactVersion } from "../api";
import { versionName } from "../artifactfiles";
import { artifactPages, versionCursor } from "../artifactrequests";
import { Empty, Spinner } from "../components/bits";
import { bytes, dateTime, relTime } from "../format";
import { href, linkTo } from "../router";

/** Versions a collection lists at first; "Show more" reads `MORE_VERSIONS` more. */
const FIRST_VERSIONS = 10;
const MORE_VERSIONS = 50;
/** Collections read at once (each then reads its own first versions). */
const COLLECTIONS_PAGE = 100;

export function Aliases({ aliases }: { aliases: string[] }) {
  return (
    <span class="tags aliases">
      {aliases.map((a) => (
        <span key={a} class={`tag alias${a === "latest" ? " alias-latest" : ""}`} data-alias={a} title={a}>
          {a}
        </span>
      ))}
    </span>
  );
}

/** What a project with no artifacts shows: how to log one. */
export function ArtifactsEmpty({ title = "No artifacts yet" }: { title?: string }) {
  return (
    <Empty title={title}>
      Log a dataset or a model from a run, and it is listed here with its versions and lineage:
      <pre class="snippet" data-empty-snippet>{`art = heron.Artifact("my-dataset", type="dataset")
art.add_file("data.csv")
run.log_artifact(art, aliases=["best"])`}</pre>
      A run that calls <code>run.use_artifact("my-dataset:best")</code> joins its lineage.
    </Empty>
  );
}

/** A version's run, linked to its run page, or "deleted run". */
export function ProducerLink({ version }: { version: ArtifactVersion }) {
  const run = version.logged_by;
  if (!run) return <span class="muted">deleted run</span>;
  return (
    <a class="run-link inline" href={href.run(linkTo(run), run.id)} title={`${run.name} (${run.id})`} data-producer={run.id}>
      {run.name}
    </a>
  );
}

/** Appends pages of a list: `more()` reads the page after the last item it has. */
function usePages<T>(read: (after: T | null, signal: AbortSignal) => Promise<T[]>, pageSize: number, deps: unknown[]) {
  const [items, setItems] = useState<T[] | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ctrl = useRef<AbortController | null>(null);
  const load = (have: T[]) => {
    ctrl.current?.abort();
    const mine = (ctrl.current = new AbortController());
    setBusy(true);
    read(have.length ? have[have.length - 1] : null, mine.signal)
      .then((page) => {
        if (mine.signal.aborted) return;
        setItems([...have, ...page]);
        setDone(page.length < pageSize);
        setError(null);
      })
      .catch((e: Error) => !mine.signal.aborted && setError(e.message))
      .finally(() => !mine.signal.aborted && setBusy(false));
  };
  useEffect(() => {
    setItems(null);
    setDone(false);
    load([]);
    return () => ctrl.current?.abort();
  }, deps);
  return { items, done, error, busy, more: () => items && load(items) };
}

function Collection({ project, collection }: { project: string; collection: ArtifactCollection }) {
  const { items: versions, done, error, busy, more } = usePages(
    (after: ArtifactVersion | null, signal) =>
      artifactPages.versions(project, {
        name: collection.name,
        type: collection.type,
        limit: after ? MORE_VERSIONS : FIRST_VERSIONS,
        after: after ? versionCursor(after) : undefined,
      }, signal),
    FIRST_VERSIONS,
    [project, collection.name, collection.type],
  );
  const newest = versions?.[0];
  const left = versions ? collection.version_count - versions.length : 0;
  return (
    <div class="card artifact-collection" data-collection={collection.name}>
      <div class="card-head">
        {newest ? (
          <a class="card-title collection-link" href={href.artifact(project, collection.name, versionName(newest.version))}>
            {collection.name}
          </a>
        ) : (
          <span class="card-title">{collection.name}</span>
        )}
        <span class="muted">
          {collection.version_count} version{collection.version_count === 1 ? "" : "s"}
        </span>
        {collection.description && <span class="muted collection-desc" title={collection.description}>{collection.description}</span>}
      </div>
      {error ? (
        <div class="error">{error}</div>
      ) : !versions ? (
        <Spinner />
      ) : versions.length ? (
        <table class="table artifact-versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Aliases</th>
              <th class="right">Size</th>
              <th class="right">Files</th>
              <th>Created</th>
              <th>Logged by</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} data-version={versionName(v.version)}>
                <td>
                  <a class="version-link" href={href.artifact(project, v.name, versionName(v.version))}>
                    {versionName(v.version)}
                  </a>
                </td>
                <td><Aliases aliases={v.aliases} /></td>
                <td class="right num">{bytes(v.size)}</td>
                <td class="right num">{v.file_count}</td>
                <td title={dateTime(v.created_at)}>{relTime(v.created_at)}</td>
                <td><ProducerLink version={v} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div class="table-empty">No versions left (they were deleted).</div>
      )}
      {versions && !done && left > 0 && (
        <button class="btn btn-sm btn-ghost show-more" data-action="more-versions" disabled={busy} onClick={more}>
          {`Show ${Math.min(left, MORE_VERSIONS)} more of ${left}`}
        </button>
      )}
    </div>
  );
}

export function Artifacts({ project }: { project: string }) {
  const { items: collections, done, error, busy, more } = usePages(
    (after: ArtifactCollection | null, signal) => artifactPages.collections(project, { limit: COLLECTIONS_PAGE, after: after?.name }, signal),
    COLLECTIONS_PAGE,
    [project],
  );
  // type -> its collections, by name (as the server sends them).
  const byType = useMemo(() => {
    const types = new Map<string, ArtifactCollection[]>();
    for (const c of collections ?? []) types.set(c.type, [...(types.get(c.type) ?? []), c]);
    return [...types.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, list]) => ({ type, list }));
  }, [collections]);

  const head = (count: string | null) => (
    <div class="page-head">
      <h1 class="page-title">Artifacts</h1>
      {count && <span class="muted">{count}</span>}
      <span class="spacer" />
      <a class="btn btn-ghost" href={href.workspace(project)}>← {project}</a>
    </div>
  );
  if (error && !collections) return <div class="page">{head(null)}<Empty title="Could not list artifacts">{error}</Empty></div>;
  if (!collections) return <div class="page">{head(null)}<Spinner /></div>;
  const versionCount = collections.reduce((n, c) => n + c.version_count, 0);
  const plus = done ? "" : "+";
  return (
    <div class="page artifacts-page">
      {head(`${versionCount}${plus} version${versionCount === 1 ? "" : "s"} in ${collections.length}${plus} collection${collections.length === 1 ? "" : "s"}`)}
      {!byType.length ? (
        <ArtifactsEmpty />
      ) : (
        byType.map(({ type, list }) => (
          <section key={type} class="artifact-type" data-type={type}>
            <h2 class="section-title">
              {type} <span class="muted">{list.length}{plus} collection{list.length === 1 ? "" : "s"}</span>
            </h2>
            <div class="artifact-collections">
              {list.map((collection) => (
                <Collection key={collection.name} project={project} collection={collection} />
              ))}
            </div>
          </section>
        ))
      )}
      {error && <div class="error">{error}</div>}
      {!done && (
        <button class="btn btn-ghost show-more" data-action="more-collections" disabled={busy} onClick={more}>
          Show more collections
        </button>
      )}
    </div>
  );
}
