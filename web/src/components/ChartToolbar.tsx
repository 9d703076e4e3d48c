// Settings shared by every chart of a page: x axis, smoothing, log-scale y, panel search.
import type { ChartSettings } from "../panels/chartdata";

interface Props {
  settings: ChartSettings;
  onChange: (s: ChartSettings) => void;
  xMetrics: string[];
  panelFilter?: string;
  onPanelFilter?: (s: string) => void;
  children?: preact.ComponentChildren;
}

export function ChartToolbar({ settings, onChange, xMetrics, panelFilter, onPanelFilter, children }: Props) {
  return (
    <div class="toolbar chart-toolbar">
      {onPanelFilter && (
        <input
          class="input panel-search"
          type="search"
          placeholder="Search panels"
          value={panelFilter}
          onInput={(e) => onPanelFilter((e.target as HTMLInputElement).value)}
        />
      )}
      <label class="field">
        <span>X axis</span>
        <select
          class="select"
          aria-label="X axis"
          value={settings.x}
          onChange={(e) => onChange({ ...settings, x: (e.target as HTMLSelectElement).value })}
        >
          <option value="_step">Step</option>
          <option value="_runtime">Relative time</option>
          <option value="_timestamp">Wall time</option>
          {xMetrics.length > 0 && (
            <optgroup label="Metric">
              {xMetrics.map((m) => (
                <option value={m} key={m}>
                  {m}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <label class="field" title="Exponential moving average, as W&B smooths">
        <span>Smoothing</span>
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          aria-label="Smoothing"
          value={settings.smoothing}
          onInput={(e) => onChange({ ...settings, smoothing: Number((e.target as HTMLInputElement).value) })}
        />
        <span class="num smoothing-val">{settings.smoothing.toFixed(2)}</span>
      </label>
      <label class="field check">
        <input
          type="checkbox"
          aria-label="Log scale y"
          checked={settings.logY}
          onChange={(e) => onChange({ ...settings, logY: (e.target as HTMLInputElement).checked })}
        />
        <span>Log y</span>
      </label>
      {children}
    </div>
  );
}
