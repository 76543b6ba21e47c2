// Compare and Advise's own rules (scoped by class; the page's colours via its variables).
export const STYLE = `
#open-compare, #open-advise { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
.compare-panel { margin: 0 1rem 1rem; }
.compare-panel[hidden] { display: none; }
.cmp-tabs { display: flex; gap: 0.4rem; align-items: center; margin-bottom: 0.5rem; }
.cmp-tabs { border-bottom: 1px solid var(--border); }
.cmp-tabs h2 { margin: 0 0.6rem 0 0; font-size: 1.05rem; }
.cmp-tabs .tab { border: 1px solid transparent; border-bottom: 0; border-radius: 7px 7px 0 0; padding: 0.4rem 0.9rem; font-weight: 600; color: var(--muted); background: transparent; margin-bottom: -1px; }
.cmp-tabs .tab:hover { color: var(--text); filter: none; }
.cmp-tabs .tab[aria-selected="true"] { color: var(--text); background: var(--panel); border-color: var(--border); box-shadow: inset 0 3px 0 var(--accent); }
.cmp-tabs .cmp-close { margin: 0 0 0.3rem auto; }
.cmp-what, .adv-what { color: var(--muted); font-size: 0.9rem; margin: 0.2rem 0 0.6rem; max-width: 70rem; }
.cmp-controls { font-size: 0.88rem; }
.cmp-control { display: inline-flex; align-items: center; gap: 0.25rem; }
.cmp-changes { font-weight: 600; margin: 0.4rem 0; }
.cmp-b-text { width: 100%; box-sizing: border-box; min-height: 10rem; font-family: ui-monospace, monospace; font-size: 0.82rem; background: var(--code-bg); color: var(--text); border: 1px solid var(--border); border-radius: 6px; }
.cmp-row { display: flex; gap: 0.6rem; align-items: center; flex-wrap: wrap; margin: 0.4rem 0; }
.cmp-status[data-state="error"], .adv-status[data-state="error"] { color: var(--bad); }
.cmp-differences { list-style: none; padding: 0; margin: 0.3rem 0 0.8rem; }
.cmp-diff { padding: 0.15rem 0.4rem; border-left: 4px solid var(--border); margin: 0.15rem 0; }
.cmp-diff.cmp-removes { border-color: var(--ok); background: var(--ok-bg); }
.cmp-diff.cmp-adds { border-color: var(--bad); background: var(--bad-bg); }
.cmp-sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 800px) { .cmp-sides { grid-template-columns: 1fr; } }
.cmp-side h3 { margin: 0.4rem 0; font-size: 0.95rem; }
.cmp-lanes { margin: 0.4rem 0 0.8rem; }
.cmp-svg { display: block; width: 100%; cursor: crosshair; touch-action: none; }
.cmp-svg:focus-visible { outline: 2px solid var(--accent); }
.cmp-readout { font-size: 0.85rem; color: var(--muted); }
.cmp-grid { stroke: var(--border); stroke-width: 1; }
.cmp-tick, .cmp-lane-tag, .cmp-name { fill: var(--text); font-size: 10px; }
.cmp-lane-tag { fill: var(--muted); }
.cmp-span { fill: var(--c, var(--c-offline)); }
.cmp-span.reach-stale { --c: var(--c-unreachable); }
.cmp-span.reach-gave_up, .cmp-span.reach-unregistered { --c: var(--c-gave-up); }
.cmp-span.reach-registering, .cmp-span.reach-idle, .cmp-span.reach-offline { --c: var(--c-offline); opacity: 0.5; }
.cmp-legend { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.5rem; font-size: 0.8rem; color: var(--muted); margin: 0.2rem 0; }
.cmp-key { display: inline-block; width: 1.2em; height: 0.7em; background: var(--c, var(--c-reachable)); }
.cmp-key.reach-reachable { --c: var(--c-reachable); }
.cmp-key.reach-stale { --c: var(--c-unreachable); }
.cmp-key.reach-unregistered { --c: var(--c-gave-up); }
.cmp-key.reach-idle { --c: var(--c-offline); }
.cmp-cursor { stroke: var(--accent); stroke-width: 2; }
.cmp-at-cursor { font-size: 0.85rem; margin: 0.2rem 0; padding-left: 1.2rem; }
.adv-progress { width: 16rem; }
.adv-notes { padding-left: 1.2rem; }
.adv-note { margin: 0.2rem 0; }
.adv-note-already_right { color: var(--ok); font-weight: 600; }
.adv-suggestions { padding-left: 1.4rem; }
.adv-suggestion { margin: 0.5rem 0; padding: 0.3rem 0.5rem; border: 1px solid var(--border); border-radius: 6px; }
.adv-suggestion[data-fixes="true"] { border-color: var(--ok); }
.adv-head { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.adv-set { font-weight: 600; }
.adv-badge { font-size: 0.78rem; padding: 0.05rem 0.4rem; border-radius: 999px; }
.adv-fixes { color: var(--ok); background: var(--ok-bg); }
.adv-trades { color: var(--warn); border: 1px solid var(--warn); }
.adv-compare { margin-left: auto; }
.adv-figures, .adv-trade, .adv-traffic { margin: 0.2rem 0; font-size: 0.88rem; }
.adv-traffic { color: var(--muted); }
.adv-trade { color: var(--warn); }
.adv-diffs { margin: 0.1rem 0; font-size: 0.84rem; color: var(--muted); }
.adv-phone { border-left: 4px solid var(--accent); padding-left: 0.5rem; }
.adv-stale { color: var(--warn); }
`;
