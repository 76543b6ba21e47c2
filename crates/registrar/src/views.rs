//! Read views: PJSIP_DIAL_CONTACTS, Dial(PJSIP/endpoint), `pjsip show contacts`/`aor`.
//! Like Asterisk, each read first deletes expired bindings (silently).

use crate::binding::{static_id, uri_md5, Status};
use crate::change::AorRead;
use crate::registrar::Registrar;
use crate::time::Millis;
use serde::Serialize;

/// One row of the contacts table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRow {
    pub aor: String,
    pub id: String,
    pub uri: String,
    /// Seconds left (`None` for static contacts).
    pub expires_in_s: Option<i64>,
    pub status: Status,
    pub rtt_ms: Option<f64>,
    pub is_static: bool,
    pub prune_on_boot: bool,
    pub endpoint: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DialError {
    /// PJSIP_DIAL_CONTACTS: "Specified endpoint '…' was not found".
    NoEndpoint(String),
}

impl std::fmt::Display for DialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DialError::NoEndpoint(e) => write!(f, "Specified endpoint '{e}' was not found"),
        }
    }
}

const CLI_LAST_TABSTOP: usize = 57;

fn cli_contact_line(
    indent: usize,
    aor: &str,
    uri: &str,
    status: Status,
    rtt: Option<f64>,
) -> String {
    let width = CLI_LAST_TABSTOP - indent - 2;
    let name: String = format!("{aor}/{uri}").chars().take(width).collect();
    let hash: String = uri_md5(uri).chars().take(10).collect();
    let rtt = match (status, rtt) {
        (Status::Reachable, Some(r)) => format!("{r:11.3}"),
        _ => format!("{:>11}", "nan"),
    };
    format!(
        "{:>indent$}:  {name:<width$} {hash:<10} {:<7} {rtt}\n",
        "Contact",
        status.cli_label()
    )
}

/// The `pjsip show contacts` table for these rows (aor, uri, status, rtt), sorted
/// by "aor/uri" as the CLI does: for observers that keep the rows themselves.
pub fn show_contacts_table<'a>(
    rows: impl Iterator<Item = (&'a str, &'a str, Status, Option<f64>)>,
) -> String {
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by_cached_key(|r| format!("{}/{}", r.0, r.1));
    let mut s = String::from(
        "\n  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>\n==========================================================================================\n\n",
    );
    for (aor, uri, status, rtt) in &rows {
        s.push_str(&cli_contact_line(9, aor, uri, *status, *rtt));
    }
    s.push_str(&format!("\nObjects found: {}\n\n", rows.len()));
    s
}

impl Registrar {
    /// Every live binding of `aor` in the order Asterisk retrieves them, after
    /// the read's lazy expiry (recorded: see `take_read_changes`).
    pub fn contact_rows(&mut self, now: Millis, aor: Option<&str>) -> Vec<ContactRow> {
        self.contact_rows_read(now, aor, AorRead::Cli)
    }

    fn contact_rows_read(
        &mut self,
        now: Millis,
        aor: Option<&str>,
        read: AorRead,
    ) -> Vec<ContactRow> {
        self.prune_on_read(now, aor, read);
        self.rows_at(now, aor)
    }

    /// The rows a read would show at `now`, without the read's side effect (the
    /// lazy deletion): for observers such as a timeline, not for Asterisk itself.
    pub fn rows_at(&self, now: Millis, aor: Option<&str>) -> Vec<ContactRow> {
        let bindings: Box<dyn Iterator<Item = &crate::store::Row>> = match aor {
            Some(a) => Box::new(self.store.rows_of(a).map(|(_, r)| r)),
            None => Box::new(self.store.rows()),
        };
        let mut rows: Vec<ContactRow> = bindings
            .filter(|r| !r.b.is_expired(now))
            .map(|r| (&r.b, r.status))
            .map(|(b, (status, rtt_ms))| ContactRow {
                aor: b.aor.clone(),
                id: b.id.clone(),
                uri: b.uri.clone(),
                expires_in_s: Some(b.expires_in_ms(now) / 1000),
                status,
                rtt_ms,
                is_static: false,
                prune_on_boot: b.prune_on_boot,
                endpoint: b.endpoint.clone(),
                user_agent: b.user_agent.clone(),
            })
            .collect();
        let aors: Box<dyn Iterator<Item = &crate::config::Aor>> = match aor {
            Some(n) => Box::new(self.config.aors.get(n).filter(|a| a.name == n).into_iter()),
            None => Box::new(self.config.aors.values()),
        };
        for a in aors {
            for c in &a.contacts {
                let id = static_id(&a.name, c);
                rows.push(ContactRow {
                    aor: a.name.clone(),
                    status: self.status_of(&id),
                    rtt_ms: self.rtt_of(&id),
                    id,
                    uri: c.clone(),
                    expires_in_s: None,
                    is_static: true,
                    prune_on_boot: false,
                    endpoint: String::new(),
                    user_agent: String::new(),
                });
            }
        }
        // Sorted by id where sorcery sorts (20.16/21.11/22.6/23.0+); before, astdb
        // key order (= id order) with the static contacts after, by URI.
        if self.profile.sorts_retrieved_contacts() {
            rows.sort_by(|a, b| a.id.cmp(&b.id));
        } else {
            rows.sort_by(|a, b| {
                (a.is_static, if a.is_static { &a.uri } else { &a.id })
                    .cmp(&(b.is_static, if b.is_static { &b.uri } else { &b.id }))
            });
        }
        rows
    }

    /// `PJSIP_DIAL_CONTACTS(endpoint[,aor[,request_user]])`.
    pub fn dial_contacts(
        &mut self,
        now: Millis,
        endpoint: &str,
        aor: Option<&str>,
        request_user: Option<&str>,
    ) -> Result<String, DialError> {
        let ep = self
            .config
            .endpoints
            .get(endpoint)
            .cloned()
            .ok_or_else(|| DialError::NoEndpoint(endpoint.to_string()))?;
        let aors: Vec<String> = match aor.filter(|a| !a.is_empty()) {
            Some(a) => vec![a.to_string()],
            None => ep.aors.clone(),
        };
        let mut parts = Vec::new();
        for a in aors {
            if !self.config.aors.contains_key(&a) {
                continue;
            }
            for row in self.contact_rows_read(now, Some(&a), AorRead::DialContacts) {
                if row.status == Status::Unreachable {
                    continue;
                }
                parts.push(match request_user {
                    Some(u) if !u.is_empty() => format!("PJSIP/{u}@{endpoint}/{}", row.uri),
                    _ => format!("PJSIP/{endpoint}/{}", row.uri),
                });
            }
        }
        Ok(parts.join("&"))
    }

    /// The contact `Dial(PJSIP/endpoint)` rings: the first reachable binding of the
    /// first AOR (in `aors` order) that has one — lowest id, not the newest.
    pub fn dial_first(&mut self, now: Millis, endpoint: &str) -> Option<ContactRow> {
        let ep = self.config.endpoints.get(endpoint).cloned()?;
        for a in &ep.aors {
            if let Some(r) = self
                .contact_rows_read(now, Some(a), AorRead::Dial)
                .into_iter()
                .find(|r| r.status != Status::Unreachable)
            {
                return Some(r);
            }
        }
        None
    }

    /// `pjsip show contacts` (rows sorted by "aor/uri", as the CLI does). It
    /// gathers every stored contact without a read, then reads (and so prunes)
    /// only the AORs that have static contacts (`cli_contact_get_container`).
    pub fn show_contacts(&mut self, now: Millis) -> String {
        let with_static: Vec<String> = self
            .config
            .aors
            .values()
            .filter(|a| !a.contacts.is_empty())
            .map(|a| a.name.clone())
            .collect();
        let shown = self.show_contacts_at(now);
        for a in with_static {
            self.prune_on_read(now, Some(&a), AorRead::Cli);
        }
        shown
    }

    /// `pjsip show contacts` as it would print at `now`, without deleting anything.
    pub fn show_contacts_at(&self, now: Millis) -> String {
        let rows = self.rows_at(now, None);
        show_contacts_table(
            rows.iter()
                .map(|r| (r.aor.as_str(), r.uri.as_str(), r.status, r.rtt_ms)),
        )
    }

    /// The contact part of `pjsip show aor NAME`.
    pub fn show_aor(&mut self, now: Millis, aor: &str) -> Option<String> {
        let a = self.config.aors.get(aor).cloned()?;
        let mut rows = self.contact_rows(now, Some(aor));
        rows.sort_by(|x, y| x.uri.cmp(&y.uri));
        let mut s = String::from(
            "\n      Aor:  <Aor..............................................>  <MaxContact>\n    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>\n==========================================================================================\n\n",
        );
        s.push_str(&format!("      Aor:  {:<52} {}\n", a.name, a.max_contacts));
        for r in &rows {
            s.push_str(&cli_contact_line(11, &r.aor, &r.uri, r.status, r.rtt_ms));
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_lines_match_asterisk() {
        assert_eq!(
            cli_contact_line(9, "alice", "sip:alice@127.100.0.2:5060", Status::NonQualified, None),
            "  Contact:  alice/sip:alice@127.100.0.2:5060               8548f4fda9 NonQual         nan\n"
        );
        assert_eq!(
            cli_contact_line(9, "alice", "sip:alice@127.0.0.3:40902;x-ast-orig-host=127.100.0.3:5060", Status::Reachable, Some(0.271)),
            "  Contact:  alice/sip:alice@127.0.0.3:40902;x-ast-orig-hos b06a950399 Avail         0.271\n"
        );
        assert_eq!(
            cli_contact_line(11, "alice", "sip:alice@127.0.0.2:41101;x-ast-orig-host=127.100.0.2:5060", Status::NonQualified, None),
            "    Contact:  alice/sip:alice@127.0.0.2:41101;x-ast-orig-h a9fc332fff NonQual         nan\n"
        );
    }
}
