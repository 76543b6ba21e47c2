// The import panel's own rules (scoped by class; the page's colours via its variables).
export const STYLE = `
.import-panel { margin: 0 1rem 1rem; }
.import-drop { border: 2px dashed var(--border); border-radius: 8px; padding: 0.8rem; margin-bottom: 0.5rem; color: var(--muted); }
.import-drop.over, .import-drop:focus { border-color: var(--accent); background: var(--accent-bg); outline: none; }
.import-panel textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: 0.85rem; background: var(--code-bg); color: var(--text); border: 1px solid var(--border); border-radius: 6px; padding: 0.4rem; resize: vertical; min-height: 4rem; height: 6rem; max-height: 20rem; }
#import-conf { height: 9rem; }
.import-panel h3 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
.import-settings { display: flex; gap: 1.2rem; flex-wrap: wrap; margin: 0.4rem 0 0.6rem; font-size: 0.9rem; }
.import-summary { font-weight: 600; }
.import-verdict { font-size: 1.1rem; font-weight: 700; padding: 0.3rem 0.6rem; border-radius: 6px; display: inline-block; }
.import-verdict[data-state="ok"] { color: var(--ok); background: var(--ok-bg); }
.import-verdict[data-state="bad"] { color: var(--bad); background: var(--bad-bg); }
.import-blind ul { margin: 0.2rem 0; padding-left: 1.2rem; color: var(--muted); font-size: 0.88rem; }
.import-result table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.6rem 0; display: block; overflow-x: auto; }
.import-result caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
.import-result th, .import-result td { border-bottom: 1px solid var(--border); padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; }
.import-result tr[data-differs="true"] td { background: var(--bad-bg); }
.import-result td[data-differs="true"] { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
.import-diffs { margin: 0.2rem 0; padding-left: 1rem; color: var(--bad); }
.import-hint { color: var(--warn); }
.import-actions { display: flex; gap: 0.6rem; margin-top: 0.6rem; }
.import-lanes-figure { margin: 0.8rem 0; }
.import-lanes-figure figcaption { color: var(--muted); font-size: 0.82rem; }
.import-lanes { width: 100%; height: auto; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; font-family: var(--mono); }
.import-lanes .lanes-grid { stroke: var(--border); stroke-width: 1; }
.import-lanes .lanes-sep { stroke: var(--border); }
.import-lanes .lanes-tick, .import-lanes .lanes-sub { fill: var(--muted); font-size: 10px; }
.import-lanes .lanes-name { fill: var(--text); font-size: 12px; font-weight: 600; }
.import-lanes .lanes-registered { fill: var(--c-present); opacity: 0.75; }
.import-lanes .lanes-whatif { fill: var(--c-remove-unavailable); opacity: 0.8; }
.import-lanes .lanes-register { stroke: var(--panel); stroke-width: 1.5; }
.import-lanes .lanes-register.ok { fill: var(--ok); }
.import-lanes .lanes-register.refused { fill: var(--bad); }
.import-lanes .lanes-register.none { fill: var(--c-offline); }
.import-lanes .lanes-register.unregister { fill: var(--panel); stroke: var(--text); }
.import-lanes .lanes-changed { fill: none; stroke: var(--c-remove-unavailable); stroke-width: 2.5; }
.import-lanes .lanes-rebinding line { stroke: var(--c-remove-existing); stroke-width: 2; stroke-dasharray: 3 2; }
.import-lanes .lanes-rebinding text { fill: var(--c-remove-existing); font-size: 10px; }
.import-lanes .lanes-moved line { stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 3 2; }
.import-lanes .lanes-moved text { fill: var(--muted); font-size: 10px; }
.import-lanes .lanes-boot { fill: var(--ok); }
.import-lanes .lanes-down { fill: var(--c-offline); opacity: 0.22; }
.import-lanes .lanes-stop { fill: var(--bad); }
.import-lanes .lanes-close { stroke: var(--c-connection-closed); stroke-width: 2.5; }
.import-whatif-controls { border: 1px solid var(--border); border-radius: 6px; padding: 0.3rem 0.7rem 0.6rem; margin: 0.6rem 0; }
.import-whatif-row, .import-whatif-more { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; font-size: 0.88rem; margin: 0.3rem 0; }
.import-whatif-name { font-weight: 600; min-width: 7rem; }
.import-whatif-row input[type="number"] { width: 4.5rem; }
.import-whatif-verdict { font-weight: 700; padding: 0.3rem 0.6rem; border-radius: 6px; display: inline-block; }
.import-whatif-verdict[data-state="ok"] { color: var(--ok); background: var(--ok-bg); }
.import-whatif-verdict[data-state="bad"] { color: var(--c-remove-unavailable); background: var(--accent-bg); }
.import-result .import-whatif-changed tr[data-differs="true"] td.import-whatif-answer { color: var(--c-remove-unavailable); font-weight: 600; }
.import-result td.import-whatif-delta[data-delta="longer"] { color: var(--ok); font-weight: 600; }
.import-result td.import-whatif-delta[data-delta="shorter"] { color: var(--bad); font-weight: 600; }
.import-whatif-limits { color: var(--muted); font-size: 0.85rem; padding-left: 1.2rem; }
.import-panel h4 { font-size: 0.9rem; margin: 0.6rem 0 0.2rem; }
`;
