// "Stop run" on a running run's page (W&B's Stop): after a confirmation, the server records the
// request and the run's SDK interrupts its script within seconds; the run then ends "killed".
import { useState } from "preact/hooks";
import { api, type RunDetail } from "../api";
import { Modal } from "./Modal";

export function StopRun(props: { project: string; run: RunDetail; onStopped: (run: RunDetail) => void }) {
  const { project, run } = props;
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (run.state !== "running") return null;
  if (run.stop_requested_at) {
    return <button class="btn btn-sm" disabled title="The run's script is being interrupted">Stopping…</button>;
  }
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onStopped(await api.stopRun(project, run.id));
      setAsking(false);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class="btn btn-sm btn-danger" onClick={() => setAsking(true)}>Stop run</button>
      {asking && (
        <Modal label={`Stop ${run.name}`} onClose={() => setAsking(false)} class="modal-confirm">
          <div class="card-head"><span class="card-title">Stop {run.name}?</span></div>
          <div class="modal-body">
            <p>Its script is interrupted (a KeyboardInterrupt) within seconds; what it logged is kept and the run ends as killed.</p>
            {error && <p class="error" role="alert">{error}</p>}
            <div class="modal-actions">
              <button class="btn btn-sm btn-danger" onClick={stop} disabled={busy}>{busy ? "Stopping…" : "Stop run"}</button>
              <button class="btn btn-sm" onClick={() => setAsking(false)}>Cancel</button>
            </div>
          </div>
        </Modal>
      )}
    </>
  );
}
