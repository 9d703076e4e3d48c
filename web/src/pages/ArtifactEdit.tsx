// A version's "Edit" and "Delete" (the version page's header), for those who may write the
// project: edit its description, metadata (JSON) and aliases (`artifact.save()`), or delete
// it, which the server refuses while aliases point at it unless they go with it
// (`delete(delete_aliases=True)`). Routes: PATCH and DELETE /artifacts/{id} (docs/artifacts.md).
import { useState } from "preact/hooks";
import type { ArtifactVersion } from "../api";
import { accounts } from "../accounts";
import { parseAliases, parseMetadata, versionName } from "../artifactfiles";
import { artifactWrites } from "../artifactrequests";
import { Modal } from "../components/Modal";
import { useSession } from "../session";
import { useLoad } from "../useLoad";

/** The alias the server moves to each newly logged version: not the user's to give or take. */
const LATEST = "latest";

/** Whether the caller may edit the project's artifacts: always on `heron ui` (an open store);
 * otherwise a member or owner of the project, as the server decides (`GET .../access`). */
export function useMayEdit(project: string): boolean {
  const s = useSession();
  const open = s.status === "ready" && (s.me === null || s.me.access === "open");
  const access = useLoad(
    (signal) => (s.status !== "ready" || open ? Promise.resolve(null) : accounts.access(project, signal).catch(() => null)),
    [project, s.status, open],
  );
  if (open) return true;
  const level = access.data?.level;
  return level === "member" || level === "owner";
}

function EditDialog({ version, onSaved, onClose }: { version: ArtifactVersion; onSaved: (v: ArtifactVersion) => void; onClose: () => void }) {
  const [description, setDescription] = useState(version.description ?? "");
  const [metadata, setMetadata] = useState(JSON.stringify(version.metadata ?? {}, null, 2));
  const [aliases, setAliases] = useState(version.aliases.filter((a) => a !== LATEST).join(", "));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const parsed = parseMetadata(metadata);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await artifactWrites.save(version.id, {
        description,
        metadata: parsed.value,
        aliases: parseAliases(aliases).filter((a) => a !== LATEST),
      }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const title = `${version.name}:${versionName(version.version)}`;
  return (
    <Modal label={`Edit ${title}`} onClose={onClose} class="modal-edit-artifact">
      <div class="card-head"><span class="card-title">Edit {title}</span></div>
      <form class="modal-body" onSubmit={save}>
        <label class="signin-field">
          Description
          <textarea class="input" rows={3} name="description" value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label class="signin-field">
          Metadata (a JSON object)
          <textarea class="input" rows={8} name="metadata" spellcheck={false} value={metadata} onInput={(e) => setMetadata((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label class="signin-field">
          Aliases (separated by commas; <code>latest</code> always follows the newest version)
          <input class="input" name="aliases" value={aliases} onInput={(e) => setAliases((e.target as HTMLInputElement).value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="modal-actions">
          <button class="btn btn-sm btn-primary" type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
          <button class="btn btn-sm" type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

function DeleteDialog({ version, onDeleted, onClose }: { version: ArtifactVersion; onDeleted: () => void; onClose: () => void }) {
  const [withAliases, setWithAliases] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const held = version.aliases;
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await artifactWrites.remove(version.id, withAliases);
      onDeleted();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  const title = `${version.name}:${versionName(version.version)}`;
  return (
    <Modal label={`Delete ${title}`} onClose={onClose} class="modal-confirm">
      <div class="card-head"><span class="card-title">Delete {title}?</span></div>
      <div class="modal-body">
        <p>The version and its list of files are deleted; runs that logged or used it stay. Its files stay stored while other versions hold them.</p>
        {held.length > 0 && (
          <label class="field check">
            <input type="checkbox" name="delete-aliases" checked={withAliases} onChange={(e) => setWithAliases((e.target as HTMLInputElement).checked)} />
            {`Also delete its aliases (${held.join(", ")}): it cannot be deleted while they point at it`}
          </label>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="modal-actions">
          <button class="btn btn-sm btn-danger" onClick={remove} disabled={busy || (held.length > 0 && !withAliases)}>
            {busy ? "Deleting…" : "Delete version"}
          </button>
          <button class="btn btn-sm" onClick={onClose}>Cancel</button>
        </div>
      </div>
    </Modal>
  );
}

/** "Edit" and "Delete" for a version; nothing for a caller who may only read the project. */
export function VersionActions(props: { version: ArtifactVersion; onSaved: (v: ArtifactVersion) => void; onDeleted: () => void }) {
  const mayEdit = useMayEdit(props.version.project);
  const [open, setOpen] = useState<"edit" | "delete" | null>(null);
  if (!mayEdit) return null;
  const close = () => setOpen(null);
  return (
    <>
      <button class="btn btn-sm" data-action="edit-version" onClick={() => setOpen("edit")}>Edit</button>
      <button class="btn btn-sm btn-danger" data-action="delete-version" onClick={() => setOpen("delete")}>Delete</button>
      {open === "edit" && <EditDialog version={props.version} onClose={close} onSaved={(v) => { close(); props.onSaved(v); }} />}
      {open === "delete" && <DeleteDialog version={props.version} onClose={close} onDeleted={() => { close(); props.onDeleted(); }} />}
    </>
  );
}
