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
`;
