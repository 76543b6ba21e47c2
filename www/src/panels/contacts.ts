// "At the cursor": the contacts Asterisk holds (like `pjsip show contacts`), which device each
// binding reaches, and PJSIP_DIAL_CONTACTS per endpoint with the phones that would ring. The
// state comes from the run's Session (Trace::state_at in Rust), at most ROWS rows of each; a
// filter finds the rest on a site-size run.

import { clock, duration, el } from "../format";
import type { StateWindow } from "../types";
import type { Ctx } from "./shared";
import { slug } from "./shared";

/** Rows drawn at most (of contacts, and of dial strings); a site (past 12 phones) gets fewer,
 * and finds the rest with the box, so the panel stays a screen or two. */
const ROWS = 100;
const SITE_ROWS = 25;
const SITE_DIALS = 8;
const rowsFor = (ctx: Ctx) => (ctx.run.devices.length > 12 ? SITE_ROWS : ROWS);

export class ContactsPanel {
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly filterBox: HTMLLabelElement;
  private asked = 0;

  constructor(
    root: HTMLElement,
    /** Told when a state has been drawn (for the cursor-to-drawn timing). */
    private readonly drawn: (atMs: number) => void = () => {},
  ) {
    this.filterBox = el("label", "contacts-filter");
    this.filterBox.append(el("span", undefined, "Find"));
    this.filter = el("input");
    this.filter.type = "search";
    this.filter.placeholder = "AOR, contact or device";
    this.filterBox.append(this.filter);
    this.filterBox.hidden = true;
    this.head = el("p", "panel-note");
    this.body = el("div");
    root.append(this.head, this.filterBox, this.body);
    this.filter.addEventListener("input", () => this.onFilter?.());
  }

  private onFilter: (() => void) | null = null;

  /** Asks for the state at the cursor and draws it. One question at a time: moves made while
   * one is out are folded into the next, asked as soon as the answer is drawn, so a drag
   * never queues stale questions in the worker (a filter change asks at once; the later ask
   * wins). */
  render(ctx: Ctx, now = false): Promise<void> {
    this.onFilter = () => void this.render(this.latest ?? ctx, true);
    this.latest = ctx;
    if (this.out && !now) {
      this.again = true;
      return this.out;
    }
    const ask = ++this.asked;
    const filter = this.filter.value.trim();
    this.again = false;
    const out = ctx.source.stateAt(ctx.cursor, filter, rowsFor(ctx)).then(
      (state) => {
        if (ask === this.asked) {
          this.draw(ctx, state, filter);
          this.drawn(state.at_ms);
        }
      },
      () => {},
    );
    this.out = out.finally(() => {
      if (this.out !== settled) return;
      this.out = null;
      if (this.again && this.latest) void this.render(this.latest);
    });
    const settled = this.out;
    return this.out;
  }

  private out: Promise<void> | null = null;
  private again = false;
  private latest: Ctx | null = null;

  private draw(ctx: Ctx, state: StateWindow, filter: string): void {
    const n = state.contacts_total;
    const shown = state.contacts.length;
    let note = `At ${clock(state.at_ms)} Asterisk holds ${n} contact${n === 1 ? "" : "s"}.`;
    if (filter) note += ` ${state.contacts_matched} match “${filter}”.`;
    if (shown < state.contacts_matched) note += ` Showing the first ${shown}; find the others with the box.`;
    this.head.textContent = note;
    // The box shows once a run has more than fits, and stays while it holds text.
    this.filterBox.hidden = filter === "" && n <= rowsFor(ctx) && state.dial_total <= rowsFor(ctx);
    this.body.replaceChildren();
    if (n === 0) this.body.append(el("p", "empty", "No contacts: nothing is registered."));
    else if (shown > 0) this.body.append(this.table(ctx, state));
    if (state.dial.length > 0) this.body.append(this.dial(state, ctx.run.devices.length > 12 ? SITE_DIALS : ROWS));
    if (state.show_contacts?.trim()) {
      const details = el("details", "show-contacts");
      details.append(el("summary", undefined, "pjsip show contacts"));
      details.append(el("pre", "mono", state.show_contacts));
      this.body.append(details);
    }
  }

  private table(ctx: Ctx, state: StateWindow): HTMLElement {
    const bindings = ctx.run.bindings;
    const selected = ctx.selection?.type === "binding" ? bindings[ctx.selection.index] : undefined;
    const wrap = el("div", "table-wrap");
    const table = el("table", "contacts");
    table.createCaption().textContent = `pjsip show contacts at ${clock(state.at_ms)}`;
    table.caption!.className = "sr-only";
    const head = table.createTHead().insertRow();
    for (const title of ["AOR", "Contact URI → reaches", "Status", "Expires in"]) {
      const th = el("th", undefined, title);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    for (const contact of state.contacts) {
      const row = body.insertRow();
      row.className = "contact";
      row.dataset.uri = contact.uri;
      if (selected && selected.uri === contact.uri && selected.aor === contact.aor) row.classList.add("selected");
      row.insertCell().textContent = contact.aor;
      const uri = row.insertCell();
      uri.append(el("code", "uri", contact.uri));
      if (contact.reaches) uri.append(el("span", "reaches", `reaches ${contact.reaches}`));
      else uri.append(el("span", "reaches stale", "reaches nobody (stale)"));
      const status = row.insertCell();
      status.append(el("span", `status status-${slug(contact.status)}`, contact.status));
      const expires = row.insertCell();
      expires.className = "num";
      expires.textContent = contact.status === "static" ? "static" : duration(contact.expires_in_s);
      expires.title = `${contact.expires_in_s} s`;
      row.addEventListener("click", () => {
        const i = bindings.findIndex(
          (b) => b.uri === contact.uri && b.aor === contact.aor && b.added_ms <= state.at_ms && (b.removed_ms ?? Infinity) > state.at_ms,
        );
        if (i >= 0) ctx.select({ type: "binding", index: i }, "contacts");
      });
    }
    wrap.append(table);
    return wrap;
  }

  private dial(state: StateWindow, most: number): HTMLElement {
    const list = el("div", "dial-list");
    const shown = state.dial.slice(0, most);
    if (shown.length < state.dial_matched) {
      list.append(el("p", "panel-note", `PJSIP_DIAL_CONTACTS of the first ${shown.length} of ${state.dial_matched} endpoints (find the others with the box).`));
    }
    for (const { endpoint, value, targets } of shown) {
      const box = el("div", "dial");
      box.dataset.endpoint = endpoint;
      box.append(el("div", "dial-name", `PJSIP_DIAL_CONTACTS(${endpoint})`));
      box.append(el("code", "dial-value", value || "(empty)"));
      // Which phones ring: the registrar's dial targets, each with the device it reaches.
      const rings = el("p", "rings");
      if (targets.length === 0) {
        rings.append(el("span", "rings-none", "☎ nothing would ring"));
      } else {
        rings.append(el("span", "rings-label", "☎ would ring: "));
        targets.forEach(({ uri, reaches: who }, k) => {
          if (k > 0) rings.append(", ");
          const item = el("strong", who ? "ring" : "ring stale", who ?? "nobody (stale)");
          item.title = uri;
          rings.append(item);
        });
      }
      box.append(rings);
      list.append(box);
    }
    return list;
  }
}
