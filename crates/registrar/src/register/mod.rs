//! REGISTER handling as a pipeline of Asterisk's stages, in the order it applies
//! them, one file per stage:
//!
//! 1. [`receive`]: pjsip's parsing, the message filter, the transport's Contact
//!    rewrites, endpoint identification (by From user) and `res_pjsip_nat`;
//! 2. [`find_aor`]: `registrar_on_rx_request` — the AOR the REGISTER is for;
//! 3. [`load`]: `register_aor` reads the AOR's contacts (lazy expiry): the working set;
//! 4. [`validate`]: `registrar_validate_contacts` and `registrar_validate_path`;
//! 5. [`count`]: the max_contacts decision (with the remove_unavailable pre-pass);
//! 6. [`apply`]: the apply loop — add, refresh, remove by request;
//! 7. [`evict`]: remove_existing's post-pass (`remove_excess_contacts`);
//! 8. [`respond`]: qualify of new bindings and the 200 OK.
//!
//! A stage that refuses the REGISTER returns a [`Rejection`]; the pipeline
//! records it and answers with its code.

mod apply;
mod count;
mod evict;
mod find_aor;
mod load;
mod receive;
mod respond;
mod unidentified;
mod validate;

pub use find_aor::find_aor_name;
pub(crate) use unidentified::Unidentified;
pub use validate::{expiration_for, MAX_HOSTNAME, MAX_URL_SIZE};

use crate::change::{Change, ChangeKind, Count, Why};
use crate::config::{Aor, Endpoint};
use crate::received::Received;
use crate::registrar::{Outcome, Registrar};
use crate::response::Response;
use crate::time::Millis;
use aorlab_sip::{uri_eq, Contact, Uri, UriContext};
use receive::Request;
use smallvec::SmallVec;
use std::sync::Arc;

/// The registrar's source file, as its log lines name it.
const REGISTRAR_C: &str = "res_pjsip_registrar.c";

/// A stage refused the REGISTER: what to record and the response code.
struct Rejection {
    code: u16,
    aor: String,
    endpoint: String,
    uri: String,
    why: Why,
    log: Option<String>,
}

/// Boxed: a refusal is the rare path, and the `Ok` side stays small.
type Step<T> = Result<T, Box<Rejection>>;

/// A binding in the working set of one REGISTER.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    id: Arc<str>,
    /// Where the store held it when loaded (a hint: the row is checked).
    slot: u32,
    uri: Arc<str>,
    /// Shared with the registrar's cache of parsed stored URIs.
    parsed: Option<Arc<Uri>>,
    /// `parsed` is a sip:/sips: URI (kept so the 200 OK does not read it).
    sip: bool,
    /// `parsed` with x-ast-orig-host restored, shared with its row, where the
    /// release restores it and the row made it (`None`: the 200 OK makes it).
    sent: Option<Arc<Uri>>,
    /// Exact expiration in ms (whole seconds × 1000 for rows read from astdb).
    exp_ms: i64,
    is_static: bool,
    /// Created or refreshed by this REGISTER (sub-second expiration in memory).
    fresh: bool,
}

/// What `registrar_validate_contacts` counted.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    added: i64,
    updated: i64,
    deleted: i64,
}

/// One REGISTER for one AOR, from the load on: the working set and what the
/// stages decided so far.
struct Job<'a> {
    req: Request<'a>,
    /// The endpoint, the AOR and the rewritten Contacts.
    res: Arc<Resolved>,
    /// The AOR's contacts in the REGISTER's container order.
    work: Vec<Work>,
    /// Whether the container is sorted by id (sorcery sorts: 20.16/21.11/22.6/23.0+).
    sorted: bool,
    /// Static contacts (`contact=`).
    permanent: i64,
    /// Dynamic bindings as loaded.
    existing_dynamic: u32,
    tally: Tally,
    /// remove_existing's `existing_contacts` (13.18+), once `count` took it.
    existing: Option<Vec<Work>>,
    /// The Path header, when the AOR supports it.
    path: Option<String>,
    /// Bindings this REGISTER added, refreshed or removed: kept only where
    /// remove_existing reads them (≤13.17), see [`Job::touch`].
    touched: Vec<Arc<str>>,
    tracks_touched: bool,
    /// Bindings this REGISTER added.
    new_ids: Vec<Arc<str>>,
}

impl Job<'_> {
    fn touch(&mut self, id: Arc<str>) {
        if self.tracks_touched {
            self.touched.push(id);
        }
    }
    fn ep(&self) -> &str {
        &self.res.endpoint.name
    }
    /// The numbers behind a max_contacts decision, with `count` compared.
    fn count(&self, count: i64) -> Count {
        Count {
            existing: self.existing_dynamic,
            added: self.tally.added as u32,
            updated: self.tally.updated as u32,
            deleted: self.tally.deleted as u32,
            count,
            max_contacts: self.res.aor.max_contacts,
            remove_existing: self.res.aor.remove_existing,
            untouched: None,
        }
    }
    /// A refusal for this AOR and endpoint.
    fn reject(&self, code: u16, uri: &str, why: Why, log: Option<String>) -> Box<Rejection> {
        Box::new(Rejection {
            code,
            aor: self.res.aor.name.clone(),
            endpoint: self.ep().to_string(),
            uri: uri.to_string(),
            why,
            log,
        })
    }
}

impl Registrar {
    /// Handle one REGISTER. `Outcome.response` is `None` only while Asterisk is down.
    pub fn on_register(&mut self, now: Millis, rx: &Received) -> Outcome {
        let mut out = Outcome::default();
        if !self.up {
            return out;
        }
        if let Err(r) = self.register(now, rx, &mut out) {
            let r = *r;
            out.change(Change {
                at: now,
                kind: ChangeKind::Rejected,
                aor: r.aor.into(),
                endpoint: r.endpoint.into(),
                uri: r.uri.into(),
                expires: None,
                why: r.why,
                log: r.log.map(crate::log::LogText::printed),
            });
            out.response = Some(Response::refusal(
                now,
                &self.server,
                &rx.parsed.head,
                rx.source(),
                r.code,
            ));
        }
        self.update_endpoint_states(now, &mut out);
        out
    }

    /// The pipeline.
    fn register(&mut self, now: Millis, rx: &Received, out: &mut Outcome) -> Step<()> {
        let req = receive::read_request(now, rx, self.profile)?;
        // Kept only once the message filter passed it: the filter reads the
        // request and the release alone, so it would pass it again.
        let res = match rx.parsed.resolved(self.generation) {
            Some(res) => {
                self.forget_unidentified(&req);
                res
            }
            None => {
                self.message_filter(&req)?;
                self.resolve(&req)?
            }
        };
        let mut job = self.load(req, res, out);
        self.validate_contacts(&mut job)?;
        self.validate_path(&mut job)?;
        self.check_max_contacts(&mut job, out)?;
        self.apply(&mut job, out);
        self.remove_existing(&mut job, out);
        self.qualify_new(&job, out);
        out.response = Some(self.ok_response(&job, out));
        let mut spare = job.work;
        spare.clear();
        self.spare_work = spare;
        Ok(())
    }
}

/// What a registrar configuration decides about a REGISTER before reading any
/// binding: a function of the request (its source and transport included) and
/// the configuration alone, so it is kept with the request for its resends
/// (`Unchanged::resolved`, by [`Registrar`]'s configuration generation).
#[derive(Debug)]
pub(crate) struct Resolved {
    endpoint: Arc<Endpoint>,
    aor: Arc<Aor>,
    /// The AOR's number in the store: its rows are read with no look-up by name.
    aor_ix: crate::store::AorIx,
    /// The AOR's and the endpoint's names, shared by each change recorded.
    aor_name: Arc<str>,
    endpoint_name: Arc<str>,
    /// The Contacts after the transport's and `res_pjsip_nat`'s rewrites.
    contacts: Box<[Contact]>,
    /// What validation and the apply loop read of each of them, inline: a
    /// refresh reads no `Contact` (at 10,000 AORs each is a cold line).
    facts: SmallVec<[ContactFact; 1]>,
}

/// What the stages read of one Contact on every REGISTER.
#[derive(Debug)]
pub(crate) struct ContactFact {
    /// The URI printed as stored (`None` for a `*` or a non-SIP URI). A binding
    /// this request adds stores this same `Arc`, so a refresh from the request
    /// finds its binding by address, without reading either text.
    printed: Option<Arc<str>>,
    /// The length of the URI's host (pjsip's limit), for a SIP URI.
    host_len: u32,
    /// `Contact: *`.
    star: bool,
}

impl Resolved {
    /// The `i`-th Contact's URI, for a SIP one (the rarer paths: a new binding,
    /// URIs that match by pjsip's rules but not as text).
    fn uri(&self, i: usize) -> Option<&Uri> {
        match &self.contacts[i] {
            Contact::Addr(v) if v.addr.uri.is_sip() => Some(&v.addr.uri),
            _ => None,
        }
    }
}

impl Registrar {
    /// Identification, the Contacts' rewrites and the AOR, in Asterisk's order;
    /// kept with the request when all three succeed.
    fn resolve(&mut self, req: &Request) -> Step<Arc<Resolved>> {
        let endpoint = match self.identify_endpoint(req) {
            Ok(e) => {
                self.forget_unidentified(req);
                e
            }
            Err(mut r) => {
                r.log = self.unidentified_notice(req);
                return Err(r);
            }
        };
        let contacts = self.rewritten_contacts(req, &endpoint);
        let facts = contact_facts(&contacts);
        let aor = self.find_aor(req, &endpoint)?;
        let aor_ix = self.store.intern_aor(&aor.name);
        let res = Arc::new(Resolved {
            aor_name: Arc::clone(self.store.aor_name(aor_ix)),
            endpoint_name: endpoint.name.as_str().into(),
            endpoint,
            aor,
            aor_ix,
            contacts: contacts.into(),
            facts,
        });
        req.rx
            .parsed
            .keep_resolved(self.generation, Arc::clone(&res));
        Ok(res)
    }
}

/// `registrar_find_contact`: the first non-static binding, in container order,
/// whose URI pjsip considers equal to the `i`-th Contact's (a SIP one). The same
/// text (or the same stored `Arc`) is the same URI, so the full comparison
/// runs only when the texts differ.
fn find_match(work: &[Work], res: &Resolved, i: usize) -> Option<usize> {
    let printed = res.facts[i].printed.as_ref()?;
    work.iter().position(|w| {
        !w.is_static
            && (Arc::ptr_eq(&w.uri, printed)
                || *w.uri == **printed
                || w.parsed
                    .as_ref()
                    .is_some_and(|p| res.uri(i).is_some_and(|uri| uri_eq(uri, p).is_ok())))
    })
}

/// What the stages read of each Contact, taken once after the rewrites: its URI
/// as it would be stored (`None` for a `*` or a non-SIP URI), its host's length.
fn contact_facts(contacts: &[Contact]) -> SmallVec<[ContactFact; 1]> {
    contacts
        .iter()
        .map(|c| match c {
            Contact::Addr(v) if v.addr.uri.is_sip() => ContactFact {
                printed: Some(v.addr.uri.print(UriContext::Contact).into()),
                host_len: v
                    .addr
                    .uri
                    .host
                    .as_str()
                    .len()
                    .try_into()
                    .unwrap_or(u32::MAX),
                star: false,
            },
            c => ContactFact {
                printed: None,
                host_len: 0,
                star: matches!(c, Contact::Star),
            },
        })
        .collect()
}

/// `ao2_link` into the REGISTER's container: in id order where sorcery sorts
/// (20.16/21.11/22.6/23.0+), else appended after everything loaded.
fn insert_in_order(sorted: bool, work: &mut Vec<Work>, w: Work) {
    if sorted {
        let at = work.partition_point(|x| x.id < w.id);
        work.insert(at, w);
    } else {
        work.push(w);
    }
}
