// "At the cursor": the contacts Asterisk holds (like `pjsip show contacts`), which device each
// binding reaches, and PJSIP_DIAL_CONTACTS per endpoint with the phones that would ring.

import { clock, duration, el } from "../render/format";
import { stateAt } from "../render/state";
import type { Ctx } from "./shared";
import { slug } from "./shared";

export function renderContactsPanel(root: HTMLElement, ctx: Ctx): void {
  const trace = ctx.trace;
  const state = stateAt(trace, ctx.cursor);
  const selected = ctx.selection?.type === "binding" ? trace.bindings[ctx.selection.index] : undefined;
  root.replaceChildren();
  const n = state.contacts.length;
  root.append(
    el("p", "panel-note", `At ${clock(ctx.cursor)} Asterisk holds ${n} contact${n === 1 ? "" : "s"}.`),
  );

  if (n === 0) {
    root.append(el("p", "empty", "No contacts: nothing is registered."));
  } else {
    const wrap = el("div", "table-wrap");
    const table = el("table", "contacts");
    table.createCaption().textContent = `pjsip show contacts at ${clock(ctx.cursor)}`;
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
        const i = trace.bindings.findIndex(
          (b) => b.uri === contact.uri && b.aor === contact.aor && b.added_ms <= ctx.cursor && (b.removed_ms ?? Infinity) > ctx.cursor,
        );
        if (i >= 0) ctx.select({ type: "binding", index: i }, "contacts");
      });
    }
    wrap.append(table);
    root.append(wrap);
  }

  if (state.dial.length > 0) {
    const dial = el("div", "dial-list");
    for (const [endpoint, value] of state.dial) {
      const box = el("div", "dial");
      box.dataset.endpoint = endpoint;
      box.append(el("div", "dial-name", `PJSIP_DIAL_CONTACTS(${endpoint})`));
      box.append(el("code", "dial-value", value || "(empty)"));
      // Which phones ring: each dial target's URI looked up in the table above.
      const targets = value ? value.split("&") : [];
      const rings = el("p", "rings");
      if (targets.length === 0) {
        rings.append(el("span", "rings-none", "☎ nothing would ring"));
      } else {
        rings.append(el("span", "rings-label", "☎ would ring: "));
        targets.forEach((target, k) => {
          const uri = target.replace(/^PJSIP\/[^/]+\//, "");
          const row = state.contacts.find((c) => c.uri === uri);
          const who = row?.reaches;
          if (k > 0) rings.append(", ");
          const item = el("strong", who ? "ring" : "ring stale", who ?? "nobody (stale)");
          item.title = uri;
          rings.append(item);
        });
      }
      box.append(rings);
      dial.append(box);
    }
    root.append(dial);
  }
}
