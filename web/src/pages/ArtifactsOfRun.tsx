// The run page's Artifacts tab: the versions the run logged and the versions it used, each
// linked to its version page.
import { artifactApi, type ArtifactVersion } from "../api";
import { versionName } from "../artifactfiles";
import { Spinner } from "../components/bits";
import { bytes, dateTime, relTime } from "../format";
import { href, linkTo } from "../router";
import { useLoad } from "../useLoad";
import { Aliases } from "./Artifacts";

function VersionTable({ versions, which }: { versions: ArtifactVersion[]; which: "logged" | "used" }) {
  return (
    <table class="table run-artifacts-table">
      <thead>
        <tr>
          <th>Artifact</th>
          <th>Type</th>
          <th>Aliases</th>
          <th class="right">Size</th>
          <th class="right">Files</th>
          <th>Created</th>
          {which === "used" && <th>Logged by</th>}
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id} data-artifact={`${v.name}:${versionName(v.version)}`}>
            <td>
              <a class="version-link" href={href.artifact(linkTo(v), v.name, versionName(v.version))} title={`${v.project}/${v.name}:${versionName(v.version)}`}>
                {v.name}
                <span class="muted">:{versionName(v.version)}</span>
              </a>
            </td>
            <td>{v.type}</td>
            <td><Aliases aliases={v.aliases} /></td>
            <td class="right num">{bytes(v.size)}</td>
            <td class="right num">{v.file_count}</td>
            <td title={dateTime(v.created_at)}>{relTime(v.created_at)}</td>
            {which === "used" && (
              <td>
                {v.logged_by ? (
                  <a href={href.run(linkTo(v.logged_by), v.logged_by.id)} title={v.logged_by.id}>{v.logged_by.name}</a>
                ) : (
                  <span class="muted">deleted run</span>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Section({ project, runId, which }: { project: string; runId: string; which: "logged" | "used" }) {
  const { data, error } = useLoad((signal) => artifactApi.ofRun(project, runId, which === "used", signal), [project, runId, which]);
  const title = which === "logged" ? "Logged by this run" : "Used by this run";
  let body;
  if (error) body = <div class="error pad">{error}</div>;
  else if (!data) body = <Spinner />;
  else if (!data.length) {
    body =
      which === "logged" ? (
        <div class="table-empty">
          None. Log one with <code>run.log_artifact(heron.Artifact("name", type="dataset"))</code>.
        </div>
      ) : (
        <div class="table-empty">
          None. Use one with <code>run.use_artifact("name:latest")</code>.
        </div>
      );
  } else body = <VersionTable versions={data} which={which} />;
  return (
    <div class="card run-artifacts" data-artifact-list={which}>
      <div class="card-head">
        <span class="card-title">{title}</span>
        {data && <span class="muted">{data.length}</span>}
      </div>
      {body}
    </div>
  );
}

export function ArtifactsOfRun({ project, runId }: { project: string; runId: string }) {
  return (
    <div class="run-artifacts-tab">
      <Section project={project} runId={runId} which="logged" />
      <Section project={project} runId={runId} which="used" />
    </div>
  );
}
