// The "Contacts" panel: the bindings Asterisk holds (like `pjsip show contacts`).

import type { State } from "../types";
import { clock, duration, el } from "./format";

export function renderContacts(root: HTMLElement, state: State): void {
  root.replaceChildren();
  const caption = el("p", "panel-note", `Bindings Asterisk holds at ${clock(state.at_ms)}`);
  root.append(caption);

  if (state.contacts.length === 0) {
    root.append(el("p", "empty", "No contacts: nothing is registered."));
  } else {
    const table = el("table", "contacts");
    const head = table.createTHead().insertRow();
    for (const title of ["AOR", "Contact URI", "Expires in", "Status"]) {
      const th = el("th", undefined, title);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    for (const contact of state.contacts) {
      const row = body.insertRow();
      row.className = "contact";
      row.insertCell().textContent = contact.aor;
      const uri = row.insertCell();
      uri.append(el("code", "uri", contact.uri));
      if (contact.reaches) uri.append(el("span", "reaches", `reaches ${contact.reaches}`));
      const expires = row.insertCell();
      expires.className = "num";
      expires.textContent = duration(contact.expires_in_s);
      expires.title = `${contact.expires_in_s} s`;
      const status = row.insertCell();
      status.append(el("span", `status status-${slug(contact.status)}`, contact.status));
    }
    root.append(table);
  }

  if (state.dial.length > 0) {
    const dial = el("dl", "dial");
    for (const [endpoint, value] of state.dial) {
      dial.append(el("dt", undefined, `PJSIP_DIAL_CONTACTS(${endpoint})`));
      dial.append(el("dd", "mono", value || "(empty: nothing would ring)"));
    }
    root.append(dial);
  }

  if (state.show_contacts.trim()) {
    const details = el("details", "show-contacts");
    details.append(el("summary", undefined, "pjsip show contacts"));
    details.append(el("pre", "mono", state.show_contacts));
    root.append(details);
  }
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
