// A project's artifacts: its types, each type's collections, each collection's versions with
// their aliases, size, files, age and the run that logged them; a version opens its page.
import { useMemo, useState } from "preact/hooks";
import { artifactApi, type ArtifactCollection, type ArtifactVersion } from "../api";
import { versionName } from "../artifactfiles";
import { Empty, Spinner } from "../components/bits";
import { bytes, dateTime, relTime } from "../format";
import { href } from "../router";
import { useLoad } from "../useLoad";

/** Versions a collection lists before "Show all". */
const FIRST_VERSIONS = 10;

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
    <a class="run-link inline" href={href.run(run.project, run.id)} title={`${run.name} (${run.id})`} data-producer={run.id}>
      {run.name}
    </a>
  );
}

function Collection({ project, collection, versions }: { project: string; collection: ArtifactCollection; versions: ArtifactVersion[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? versions : versions.slice(0, FIRST_VERSIONS);
  const newest = versions[0];
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
      {versions.length ? (
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
            {shown.map((v) => (
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
      {versions.length > shown.length && (
        <button class="btn btn-sm btn-ghost show-all" onClick={() => setAll(true)}>
          Show all {versions.length} versions
        </button>
      )}
    </div>
  );
}

export function Artifacts({ project }: { project: string }) {
  const { data, error } = useLoad(
    (signal) => Promise.all([artifactApi.collections(project, undefined, signal), artifactApi.versions(project, {}, signal)]),
    [project],
  );
  // type -> collections (by name), each with its versions (newest first, as the server sends).
  const byType = useMemo(() => {
    if (!data) return [];
    const [collections, versions] = data;
    const of = new Map<string, ArtifactVersion[]>();
    for (const v of versions) {
      const k = `${v.type}\u0000${v.name}`;
      of.set(k, [...(of.get(k) ?? []), v]);
    }
    const types = new Map<string, { collection: ArtifactCollection; versions: ArtifactVersion[] }[]>();
    for (const c of collections) {
      const list = types.get(c.type) ?? [];
      list.push({ collection: c, versions: (of.get(`${c.type}\u0000${c.name}`) ?? []).sort((a, b) => b.version - a.version) });
      types.set(c.type, list);
    }
    return [...types.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, list]) => ({ type, list: list.sort((a, b) => a.collection.name.localeCompare(b.collection.name)) }));
  }, [data]);

  const head = (count: string | null) => (
    <div class="page-head">
      <h1 class="page-title">Artifacts</h1>
      {count && <span class="muted">{count}</span>}
      <span class="spacer" />
      <a class="btn btn-ghost" href={href.workspace(project)}>← {project}</a>
    </div>
  );
  if (error) return <div class="page">{head(null)}<Empty title="Could not list artifacts">{error}</Empty></div>;
  if (!data) return <div class="page">{head(null)}<Spinner /></div>;
  const versionCount = data[1].length;
  return (
    <div class="page artifacts-page">
      {head(`${versionCount} version${versionCount === 1 ? "" : "s"} in ${data[0].length} collection${data[0].length === 1 ? "" : "s"}`)}
      {!byType.length ? (
        <ArtifactsEmpty />
      ) : (
        byType.map(({ type, list }) => (
          <section key={type} class="artifact-type" data-type={type}>
            <h2 class="section-title">
              {type} <span class="muted">{list.length} collection{list.length === 1 ? "" : "s"}</span>
            </h2>
            <div class="artifact-collections">
              {list.map(({ collection, versions }) => (
                <Collection key={collection.name} project={project} collection={collection} versions={versions} />
              ))}
            </div>
          </section>
        ))
      )}
    </div>
  );
}
