// A key just made: shown once, with a copy button; the server never shows it again.
import { useRef, useState } from "preact/hooks";
import type { NewKey } from "../../accounts";

async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http on another host): select the text and copy it the old way.
    if (!field) return false;
    field.select();
    return document.execCommand("copy");
  }
}

export function NewKeyBox({ made, onDone }: { made: NewKey; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const field = useRef<HTMLInputElement>(null);
  return (
    <div class="card new-key" data-testid="new-key" data-user={made.user}>
      <div class="new-key-head">
        New key for <b>{made.user}</b>: copy it now, it is not shown again.
      </div>
      <div class="new-key-row">
        <input
          class="input new-key-value"
          readOnly
          value={made.key}
          aria-label="New API key"
          ref={field}
          onFocus={(e) => (e.target as HTMLInputElement).select()}
        />
        <button class="btn btn-sm" data-action="copy" onClick={async () => setCopied(await copyText(made.key, field.current))}>
          Copy
        </button>
        <button class="btn btn-sm btn-ghost" data-action="dismiss" onClick={onDone}>
          Done
        </button>
        {copied === true && <span class="muted">Copied</span>}
        {copied === false && <span class="error">Copy failed: select the key and copy it</span>}
      </div>
    </div>
  );
}
