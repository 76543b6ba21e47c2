//! The registrar state machine: one Asterisk's location store plus the in-memory
//! state (qualify status, connection monitors, timers). Every input carries `now`.

use crate::binding::{Binding, ConnId, Status};
use crate::change::{verbose, AorRead, Change, ChangeKind, Why};
use crate::config::{Aor, Config, Endpoint};
use crate::log::{LogLine, LogText};
use crate::names::NameMap;
use crate::nat::options_request_uri;
use crate::profile::Profile;
use crate::response::Response;
use crate::store::{
    aor_of_id, AorIx, FastMap, Monitors, Qualified, QualifyTimers, Store, NOT_QUALIFIED,
};
use crate::time::Millis;
use aorlab_sip::UriContext;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An OPTIONS Asterisk wants to send now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualifyRequest {
    pub aor: Arc<str>,
    pub contact_id: Arc<str>,
    /// The stored URI.
    pub uri: Arc<str>,
    /// Where the OPTIONS goes (x-ast-orig-host stripped), when it was worked out
    /// with the request: a static contact's. A stored binding's is read when
    /// asked for ([`Registrar::qualify_request_uri`]): at scale most OPTIONS are
    /// counted, not printed, and the row's copy is a cold line to touch.
    #[serde(skip)]
    request_uri: Option<Arc<str>>,
    pub timeout_ms: u64,
    /// Where the registrar held the binding when it asked: handed back with
    /// the result, it finds the row without a look-up by id (a hint only).
    #[serde(skip)]
    pub row: RowHint,
}

/// An AOR's number in the registrar's store ([`Registrar::aor_number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AorNumber(AorIx);

/// What a qualify tick needs of an AOR (see `Registrar::qualify_plan`).
#[derive(Debug, Clone, Copy)]
struct QualifyPlan {
    /// qualify_frequency (0: off).
    frequency_s: u32,
    /// qualify_timeout, in ms.
    timeout_ms: u64,
    /// It lists static contacts (read from the AOR itself).
    statics: bool,
}

impl QualifyPlan {
    const OFF: QualifyPlan = QualifyPlan {
        frequency_s: 0,
        timeout_ms: 0,
        statics: false,
    };
    fn of(a: &Aor) -> QualifyPlan {
        QualifyPlan {
            frequency_s: a.qualify_frequency,
            timeout_ms: (a.qualify_timeout * 1000.0).round() as u64,
            statics: !a.contacts.is_empty(),
        }
    }
}

/// Where a stored binding's row was (see [`QualifyRequest::row`]). A hint: the
/// row there is used only if it still holds the same id, else the id is looked
/// up; a static contact has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowHint(u32);

impl RowHint {
    pub const NONE: RowHint = RowHint(u32::MAX);
}

impl Default for RowHint {
    fn default() -> RowHint {
        RowHint::NONE
    }
}

/// A contact's qualify status and round trip (ms) before and after an OPTIONS
/// result ([`Registrar::on_qualify_answer`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusMove {
    pub before: (Status, Option<f64>),
    pub after: (Status, Option<f64>),
}

/// What one input produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// The SIP response (only for REGISTER; `None` while Asterisk is down),
    /// printed by `Response::to_message` when a reader wants its text.
    #[serde(skip)]
    pub response: Option<Response>,
    pub changes: Vec<Change>,
    /// Every log line, timestamped, in order (changes' lines and others); each
    /// reads as a `&str`, printed when first read.
    pub log: Vec<LogLine>,
    pub qualify: Vec<QualifyRequest>,
}

impl Outcome {
    pub(crate) fn change(&mut self, c: Change) {
        if let Some(l) = &c.log {
            self.log.push(LogLine::new(c.at, l.clone()));
        }
        if c.kind == ChangeKind::Removed {
            self.line(c.at, deleted_line(&c.aor, &c.uri));
        }
        self.changes.push(c);
    }
    pub(crate) fn line(&mut self, now: Millis, text: Option<String>) {
        if let Some(t) = text {
            self.log.push(LogLine::new(now, LogText::printed(t)));
        }
    }
}

/// `pjsip_options.c` notices every deleted contact.
pub(crate) fn deleted_line(aor: &str, uri: &str) -> Option<String> {
    verbose(
        "res_pjsip/pjsip_options.c",
        format!("Contact {aor}/{uri} has been deleted"),
    )
}

/// Result of one OPTIONS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QualifyResult {
    /// A final response arrived (any code, unless qualify_2xx_only) after `rtt_ms`.
    Answered { code: u16, rtt_ms: f64 },
    /// No answer within qualify_timeout, or a transport error.
    TimedOut,
}

/// The registrar.
#[derive(Debug, Clone)]
pub struct Registrar {
    pub(crate) profile: Profile,
    pub(crate) config: Config,
    /// `systemname` from asterisk.conf (empty by default).
    pub(crate) systemname: String,
    pub(crate) server: Arc<str>,
    /// astdb: survives restarts.
    pub(crate) store: Store,
    /// In memory: qualify status and last RTT of static contacts (and of ids
    /// not stored, which a replay may set); a stored binding's is in its row.
    pub(crate) status: FastMap<String, Qualified>,
    /// In memory: bindings tied to a connection.
    pub(crate) monitors: Monitors,
    pub(crate) up: bool,
    pub(crate) next_sweep: Option<Millis>,
    pub(crate) next_qualify: QualifyTimers,
    /// The AORs a tick found due (kept between ticks for its allocation).
    qualify_due: Vec<(AorIx, Arc<str>)>,
    rng: u64,
    /// When Asterisk last booted (the first qualify of each AOR is spread after it).
    pub(crate) booted_at: Millis,
    /// In memory: endpoints currently "Reachable" (persistent endpoint state).
    pub(crate) endpoint_up: FastMap<String, bool>,
    /// Bindings that reads (dial, CLI) deleted since `take_read_changes`.
    pub(crate) read_changes: Vec<Change>,
    /// The endpoints (config keys) naming each AOR, by AOR number, for the
    /// endpoint state.
    aor_endpoints: Vec<Vec<String>>,
    /// The configuration's endpoints and AORs by name, shared with each
    /// REGISTER's work instead of copied into it.
    pub(crate) endpoints: NameMap<Arc<Endpoint>>,
    pub(crate) aors: NameMap<Arc<Aor>>,
    /// The same AORs by their number in the store (`None`: not configured).
    pub(crate) aor_at: Vec<Option<Arc<Aor>>>,
    /// What a qualify tick reads of each AOR, by number, packed: the AOR's own
    /// configuration is a cold line on a large site, read only for static
    /// contacts.
    qualify_plan: Vec<QualifyPlan>,
    /// Whether an endpoint's name has an '@': only then can identification's
    /// `user@domain` look-ups find one.
    pub(crate) endpoint_name_has_at: bool,
    /// This configuration's number, new at every (re)load: what a request keeps
    /// of a decision (`Unchanged::resolved`) is valid while it is the same.
    pub(crate) generation: u64,
    /// AORs (by number) whose availability may have changed since the last
    /// endpoint update, each once (`dirty_mark`); `all_dirty` after boot and
    /// reload, when every endpoint is checked.
    dirty_aors: Vec<AorIx>,
    dirty_mark: Vec<bool>,
    all_dirty: bool,
    /// In memory: unidentified requests counted per source IP (the distributor's).
    pub(crate) unidentified: BTreeMap<String, crate::register::Unidentified>,
    /// A REGISTER's working set buffer, kept empty between decisions.
    pub(crate) spare_work: Vec<crate::register::Work>,
}

/// A configuration number no registrar has had in this process.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Registrar {
    /// A freshly booted Asterisk with an empty astdb, started at `now`.
    /// `config` is read as `profile` reads it: AORs using an option that version
    /// lacks are dropped (see `parse_pjsip_conf_for`).
    pub fn new(profile: Profile, mut config: Config, now: Millis) -> Registrar {
        crate::config::restrict_to_profile(&mut config, profile);
        let mut r = Registrar {
            profile,
            config,
            systemname: String::new(),
            server: format!("Asterisk PBX {profile}").into(),
            store: Store::default(),
            status: FastMap::default(),
            monitors: Monitors::default(),
            up: false,
            next_sweep: None,
            next_qualify: QualifyTimers::default(),
            qualify_due: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
            booted_at: now,
            endpoint_up: FastMap::default(),
            read_changes: Vec::new(),
            aor_endpoints: Vec::new(),
            endpoints: NameMap::default(),
            aors: NameMap::default(),
            aor_at: Vec::new(),
            qualify_plan: Vec::new(),
            endpoint_name_has_at: false,
            generation: 0,
            dirty_aors: Vec::new(),
            dirty_mark: Vec::new(),
            all_dirty: true,
            unidentified: BTreeMap::new(),
            spare_work: Vec::new(),
        };
        r.index_endpoints();
        r.boot(now);
        r
    }

    /// Seed for the few random choices Asterisk makes (first qualify after boot).
    /// The boot already happened in `new`, so the first qualifies are drawn again.
    pub fn with_seed(mut self, seed: u64) -> Registrar {
        self.rng = seed ^ 0x9e37_79b9_7f4a_7c15;
        if self.up {
            let at = self.booted_at;
            self.schedule_first_qualify(at);
        }
        self
    }
    pub fn with_systemname(mut self, name: &str) -> Registrar {
        self.systemname = name.to_string();
        self
    }
    pub fn with_server_version(mut self, version: &str) -> Registrar {
        self.server = format!("Asterisk PBX {version}").into();
        self
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The AOR `name` as configured: `config().aors` by a hash look-up (that map
    /// is ordered by name, a walk of string compares on a site).
    pub fn aor(&self, name: &str) -> Option<&Aor> {
        self.aors.get(name).map(|a| &**a)
    }
    pub fn is_up(&self) -> bool {
        self.up
    }
    /// Every stored binding in id order (as astdb holds them, expired or not).
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        self.store.values()
    }
    /// One stored binding by id (expired or not).
    pub fn binding(&self, id: &str) -> Option<&Binding> {
        self.store.get(id)
    }
    /// Whether the binding a qualify request was for is still stored with the
    /// URI it was qualified at (the same `Arc` while its row lives; its text
    /// otherwise), found by the request's row hint.
    pub fn still_stored(&self, id: &Arc<str>, row: RowHint, uri: &Arc<str>) -> bool {
        let r = self
            .store
            .slot_hinted(id, row.0)
            .and_then(|s| self.store.row_at(s));
        r.is_some_and(|r| Arc::ptr_eq(&r.uri, uri) || *r.uri == **uri)
    }
    /// One AOR's stored bindings in id order (expired or not): no pass over the site.
    pub fn bindings_of<'a>(&'a self, aor: &'a str) -> impl Iterator<Item = &'a Binding> + 'a {
        self.store.of_aor(aor)
    }
    pub fn status_of(&self, id: &str) -> Status {
        self.qualified(id).0
    }
    pub fn rtt_of(&self, id: &str) -> Option<f64> {
        self.qualified(id).1
    }
    /// One AOR's stored bindings in id order (expired or not) with each one's
    /// qualify status and last RTT, read with the row, and its URI as the row
    /// shares it: the same `Arc` for as long as the binding is stored, so a
    /// reader that kept it knows the URI again by address, without reading
    /// its (cold) text.
    pub fn bindings_with_status<'a>(
        &'a self,
        aor: &'a str,
    ) -> impl Iterator<Item = (&'a Binding, &'a Arc<str>, Status, Option<f64>)> + 'a {
        // An AOR without a number never had a row.
        (self.aor_number(aor).into_iter()).flat_map(|n| self.bindings_with_status_of(n))
    }
    /// AOR `name`'s number in the store, once it has one. A name keeps its
    /// number for the process (restarts and reloads included), so a reader
    /// that reads one AOR again and again keeps it and skips the look-ups by
    /// name ([`Registrar::bindings_with_status_of`], [`Registrar::aor_of`]).
    pub fn aor_number(&self, name: &str) -> Option<AorNumber> {
        self.store.aor_ix(name).map(AorNumber)
    }
    /// [`Registrar::bindings_with_status`] of the AOR numbered `n`.
    pub fn bindings_with_status_of(
        &self,
        n: AorNumber,
    ) -> impl Iterator<Item = (&Binding, &Arc<str>, Status, Option<f64>)> + '_ {
        self.store
            .rows_of_ix(n.0)
            .map(|(_, r)| (&r.b, &r.uri, r.status.0, r.status.1))
    }
    /// [`Registrar::aor`] of the AOR numbered `n` (`None`: not configured now).
    pub fn aor_of(&self, n: AorNumber) -> Option<&Aor> {
        self.aor_at.get(n.0 as usize).and_then(Option::as_deref)
    }
    fn qualified(&self, id: &str) -> Qualified {
        match self.store.get_row(id) {
            Some(r) => r.status,
            None => self.status.get(id).copied().unwrap_or(NOT_QUALIFIED),
        }
    }
    /// The connection a binding is tied to, if any.
    pub fn monitor_of(&self, id: &str) -> Option<ConnId> {
        self.monitors.get(id)
    }

    /// When the registrar next wants `on_tick`.
    pub fn next_wakeup(&self) -> Option<Millis> {
        if !self.up {
            return None;
        }
        let q = self.next_qualify.next();
        [self.next_sweep, q, self.next_expiry_timer()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Before 13.9 each binding had its own expiry timer (`res_pjsip_registrar_expire`'s
    /// scheduler) instead of the periodic sweep: the next one due.
    fn next_expiry_timer(&self) -> Option<Millis> {
        if self.profile.sweeps_periodically() {
            return None;
        }
        self.store.first_expiration().map(|e| e * 1000 + 1)
    }

    fn random(&mut self) -> u64 {
        // splitmix64: deterministic, no dependency.
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Change the sweep phase (for replaying a recording whose thread started earlier).
    pub fn set_next_sweep(&mut self, at: Option<Millis>) {
        self.next_sweep = at;
    }

    /// Asterisk starts: prune connection-bound bindings of this system, schedule
    /// the sweep and the first qualify of each AOR.
    fn boot(&mut self, now: Millis) -> Outcome {
        let mut out = Outcome::default();
        self.up = true;
        self.endpoint_up.clear();
        self.all_dirty = true;
        self.booted_at = now;
        self.unidentified.clear();
        self.status.clear();
        self.store.forget_statuses();
        self.monitors.clear();
        if self.profile.has_transport_monitor() {
            let me = self.systemname.clone();
            self.remove_where(
                now,
                |_, b| b.prune_on_boot && b.reg_server == me,
                Why::SystemBoot,
                Some("res_pjsip/location.c"),
                &mut out,
            );
        }
        let interval = self.config.global.contact_expiration_check_interval;
        self.next_sweep = (interval > 0 && self.profile.sweeps_periodically())
            .then(|| now + interval as u64 * 1000);
        self.schedule_first_qualify(now);
        self.update_endpoint_states(now, &mut out);
        out
    }

    /// Each qualified AOR's first OPTIONS: a random time in
    /// (0, min(qualify_frequency, max_initial_qualify_time)] after boot.
    fn schedule_first_qualify(&mut self, now: Millis) {
        self.next_qualify.clear();
        let aors: Vec<(String, u32)> = self
            .config
            .aors
            .values()
            .filter(|a| a.qualify_frequency > 0)
            .map(|a| (a.name.clone(), a.qualify_frequency))
            .collect();
        for (name, freq) in aors {
            let spread = match self.config.global.max_initial_qualify_time {
                0 => freq,
                m => m.min(freq),
            } as u64
                * 1000;
            let delay = 1 + self.random() % spread.max(1);
            let ix = self.store.intern_aor(&name);
            self.next_qualify.insert_ix(ix, now + delay);
        }
    }

    /// Asterisk stops (graceful or crash): it answers nothing until `on_start`.
    /// Bindings stay in astdb; statuses and monitors are memory and are lost.
    pub fn on_stop(&mut self, _now: Millis) {
        self.up = false;
        self.endpoint_up.clear();
        self.all_dirty = true;
        self.status.clear();
        self.store.forget_statuses();
        self.monitors.clear();
        self.next_sweep = None;
        self.next_qualify.clear();
    }

    /// Asterisk has booted again (same astdb).
    pub fn on_start(&mut self, now: Millis) -> Outcome {
        self.boot(now)
    }

    /// `module reload`/`pjsip reload` with a new configuration. Bindings stay;
    /// AORs that disappeared lose theirs.
    /// An object the new text makes Asterisk refuse keeps its previous version
    /// ("Retaining existing configuration for object of type …").
    pub fn on_reload(&mut self, now: Millis, mut config: Config) -> Outcome {
        let mut out = Outcome::default();
        crate::config::restrict_to_profile(&mut config, self.profile);
        for (ty, id) in config.rejected.clone() {
            let kept = match ty.as_str() {
                "aor" => self
                    .config
                    .aors
                    .get(&id)
                    .map(|a| config.aors.insert(id.clone(), a.clone()))
                    .is_some(),
                "endpoint" => self
                    .config
                    .endpoints
                    .get(&id)
                    .map(|e| config.endpoints.insert(id.clone(), e.clone()))
                    .is_some(),
                "transport" => self
                    .config
                    .transports
                    .get(&id)
                    .map(|t| config.transports.insert(id.clone(), t.clone()))
                    .is_some(),
                "domain_alias" => self
                    .config
                    .domain_aliases
                    .get(&id)
                    .map(|d| config.domain_aliases.insert(id.clone(), d.clone()))
                    .is_some(),
                "global" => {
                    config.global = self.config.global.clone();
                    true
                }
                _ => false,
            };
            if kept {
                out.line(
                    now,
                    crate::change::error(
                        "res_sorcery_config.c",
                        format!("Retaining existing configuration for object of type '{ty}' with id '{id}'"),
                    ),
                );
            }
        }
        let old_freq: BTreeMap<String, u32> = self
            .config
            .aors
            .values()
            .map(|a| (a.name.clone(), a.qualify_frequency))
            .collect();
        self.config = config;
        self.index_endpoints();
        self.all_dirty = true;
        // Qualify timers: a newly qualified AOR starts like at boot (random first
        // qualify), a changed frequency restarts the timer, 0 stops it.
        if self.up {
            let spread_max = self.config.global.max_initial_qualify_time;
            let aors: Vec<(String, u32)> = self
                .config
                .aors
                .values()
                .map(|a| (a.name.clone(), a.qualify_frequency))
                .collect();
            for (name, freq) in aors {
                let ix = self.store.intern_aor(&name);
                if freq == 0 {
                    self.next_qualify.remove_ix(ix);
                } else if !self.next_qualify.contains_ix(ix) {
                    let spread = match spread_max {
                        0 => freq,
                        m => m.min(freq),
                    } as u64
                        * 1000;
                    let delay = 1 + self.random() % spread.max(1);
                    self.next_qualify.insert_ix(ix, now + delay);
                } else if old_freq.get(&name) != Some(&freq) {
                    self.next_qualify.insert_ix(ix, now + freq as u64 * 1000);
                }
            }
            let aors = &self.aor_at;
            self.next_qualify
                .retain(|ix| aors.get(ix as usize).is_some_and(Option::is_some));
        }
        let gone: Vec<String> = self
            .store
            .values()
            .filter(|b| !self.config.aors.contains_key(&b.aor))
            .map(|b| b.id.clone())
            .collect();
        for id in gone {
            self.remove_binding(now, &id, Why::Request, None, &mut out);
        }
        let interval = self.config.global.contact_expiration_check_interval;
        if interval == 0 {
            self.next_sweep = None;
        } else if self.next_sweep.is_none() && self.up && self.profile.sweeps_periodically() {
            self.next_sweep = Some(now + interval as u64 * 1000);
        }
        self.update_endpoint_states(now, &mut out);
        out
    }

    /// Delete a binding and record the change: the one place removals are
    /// recorded. `file` is the Asterisk source that logs the removal (the
    /// release decides the "due to …" words, or that there is no line), `None`
    /// where Asterisk removes silently.
    pub(crate) fn remove_binding(
        &mut self,
        now: Millis,
        id: &str,
        why: Why,
        file: Option<&str>,
        out: &mut Outcome,
    ) -> bool {
        let reason = file.zip(self.profile.removal_reason(&why));
        let Some(b) = self.delete(id) else {
            return false;
        };
        let log = reason.and_then(|(file, reason)| {
            verbose(
                file,
                format!(
                    "Removed contact '{}' from AOR '{}' due to {reason}",
                    b.uri, b.aor
                ),
            )
        });
        out.change(Change {
            at: now,
            kind: ChangeKind::Removed,
            aor: b.aor.into(),
            endpoint: b.endpoint.into(),
            uri: b.uri.into(),
            expires: None,
            why,
            log: log.map(LogText::printed),
        });
        true
    }

    /// Remove every binding `pred` selects (in id order), each recorded.
    pub(crate) fn remove_where(
        &mut self,
        now: Millis,
        pred: impl Fn(&Registrar, &Binding) -> bool,
        why: Why,
        file: Option<&str>,
        out: &mut Outcome,
    ) {
        let doomed: Vec<String> = self
            .store
            .values()
            .filter(|b| pred(self, b))
            .map(|b| b.id.clone())
            .collect();
        for id in doomed {
            self.remove_binding(now, &id, why.clone(), file, out);
        }
    }

    pub(crate) fn delete(&mut self, id: &str) -> Option<Binding> {
        self.status.remove(id);
        self.monitors.remove(id);
        let (b, ix) = self.store.remove(id)?;
        self.touch_aor(ix);
        Some(b)
    }

    /// AOR `ix`'s availability may have changed (a binding or a status did).
    pub(crate) fn touch_aor(&mut self, ix: AorIx) {
        if self.all_dirty {
            return;
        }
        let i = ix as usize;
        if self.dirty_mark.len() <= i {
            self.dirty_mark.resize(i + 1, false);
        }
        if !std::mem::replace(&mut self.dirty_mark[i], true) {
            self.dirty_aors.push(ix);
        }
    }

    /// Forget the AORs marked by [`Registrar::touch_aor`].
    fn clear_dirty(&mut self) {
        for ix in self.dirty_aors.drain(..) {
            self.dirty_mark[ix as usize] = false;
        }
    }

    /// Set a binding's (or static contact's) qualify status.
    /// Returns what it was (`NonQualified`, no RTT, when it had none).
    pub(crate) fn put_status(&mut self, id: &str, status: Qualified) -> Qualified {
        let slot = self.store.slot_of(id);
        self.put_status_at(slot, id, status)
    }

    /// [`Registrar::put_status`] where the caller already found the row's slot
    /// (`None`: not stored, a static contact).
    fn put_status_at(&mut self, slot: Option<u32>, id: &str, status: Qualified) -> Qualified {
        let held = match slot {
            Some(s) => self.store.status_at(s),
            None => self.status.get_mut(id),
        };
        // Availability reads the status only: a new RTT alone changes nothing.
        let (was, moved) = match held {
            Some(s) => {
                let was = std::mem::replace(s, status);
                (was, was.0 != status.0)
            }
            None => {
                self.status.insert(id.to_string(), status);
                (NOT_QUALIFIED, true)
            }
        };
        if moved {
            let ix = match slot.and_then(|s| self.store.row_at(s)) {
                Some(r) => Some(r.aor),
                None => aor_of_id(id).map(|a| self.store.intern_aor(a)),
            };
            if let Some(ix) = ix {
                self.touch_aor(ix);
            }
        }
        was
    }

    fn index_endpoints(&mut self) {
        self.generation = next_generation();
        let c = &self.config;
        self.endpoints = c
            .endpoints
            .iter()
            .map(|(k, e)| (k.as_str(), Arc::new(e.clone())))
            .collect();
        self.endpoint_name_has_at = c.endpoints.keys().any(|k| k.contains('@'));
        // Each AOR once, shared by the look-up by name and the one by number.
        let mut by_name = Vec::with_capacity(c.aors.len());
        self.aor_at.clear();
        for (k, a) in &c.aors {
            let ix = self.store.intern_aor(k) as usize;
            if self.aor_at.len() <= ix {
                self.aor_at.resize(ix + 1, None);
            }
            let a = Arc::new(a.clone());
            self.aor_at[ix] = Some(Arc::clone(&a));
            by_name.push((k.as_str(), a));
        }
        self.qualify_plan = (self.aor_at.iter())
            .map(|a| a.as_deref().map_or(QualifyPlan::OFF, QualifyPlan::of))
            .collect();
        self.aors = by_name.into_iter().collect();
        self.aor_endpoints.clear();
        for (key, e) in &self.config.endpoints {
            for a in &e.aors {
                let ix = self.store.intern_aor(a) as usize;
                if self.aor_endpoints.len() <= ix {
                    self.aor_endpoints.resize_with(ix + 1, Vec::new);
                }
                let eps = &mut self.aor_endpoints[ix];
                if eps.last() != Some(key) {
                    eps.push(key.clone());
                }
            }
        }
    }

    /// `location.c`'s read of an AOR's contacts (`contact_expire`): every read
    /// deletes the AOR's expired bindings, without a log line. Each deletion is
    /// recorded as a Change with the read that did it.
    pub(crate) fn prune_expired(
        &mut self,
        now: Millis,
        aor: Option<&str>,
        read: AorRead,
        out: &mut Outcome,
    ) {
        let doomed: Vec<(String, Millis)> = match aor {
            Some(a) => self
                .store
                .of_aor(a)
                .filter(|b| b.is_expired(now))
                .map(|b| (b.id.clone(), b.expiration * 1000))
                .collect(),
            None => self
                .store
                .expiring_by(now)
                .into_iter()
                .filter_map(|id| self.store.get(&id).map(|b| (id, b.expiration * 1000)))
                .collect(),
        };
        for (id, expired_at) in doomed {
            self.remove_binding(now, &id, Why::ExpiredOnRead { read, expired_at }, None, out);
        }
    }

    /// A read outside REGISTER handling (dial, CLI): its deletions wait in
    /// `read_changes` for `take_read_changes`.
    pub(crate) fn prune_on_read(&mut self, now: Millis, aor: Option<&str>, read: AorRead) {
        let mut out = Outcome::default();
        self.prune_expired(now, aor, read, &mut out);
        self.read_changes.extend(out.changes);
    }

    /// The bindings that reads (PJSIP_DIAL_CONTACTS, Dial, CLI views) deleted
    /// since the last call, oldest first.
    pub fn take_read_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.read_changes)
    }

    /// An AOR is available while it has a contact (qualify off) or a Reachable
    /// contact (qualify on); static contacts count too.
    fn aor_available(&self, aor: &str) -> bool {
        let Some(ix) = self.store.aor_ix(aor) else {
            return false;
        };
        let Some(a) = self.aor_at.get(ix as usize).and_then(Option::as_ref) else {
            return false;
        };
        let reachable = |id: &str| self.status_of(id) == Status::Reachable;
        let mut rows = self.store.rows_of_ix(ix);
        if a.qualify_frequency == 0 {
            rows.next().is_some() || !a.contacts.is_empty()
        } else {
            rows.any(|(_, r)| r.status.0 == Status::Reachable)
                || a.contacts
                    .iter()
                    .any(|c| reachable(&crate::binding::static_id(aor, c)))
        }
    }

    /// "Endpoint … is now Reachable/Unreachable" when an endpoint's state flips
    /// (`pjsip_configuration.c`, persistent endpoint state).
    /// Only the endpoints of AORs touched since the last update are checked
    /// (all of them after boot or reload), in endpoint order as Asterisk would
    /// log them: the others cannot have flipped.
    pub(crate) fn update_endpoint_states(&mut self, now: Millis, out: &mut Outcome) {
        let endpoints: Vec<Arc<Endpoint>> = if std::mem::take(&mut self.all_dirty) {
            self.clear_dirty();
            self.config
                .endpoints
                .keys()
                .filter_map(|k| self.endpoints.get(k).cloned())
                .collect()
        } else if self.dirty_aors.is_empty() {
            return;
        } else {
            let mut keys: Vec<&String> = self
                .dirty_aors
                .iter()
                .filter_map(|&a| self.aor_endpoints.get(a as usize))
                .flatten()
                .collect();
            // endpoint order, as Asterisk would log them
            keys.sort_unstable();
            keys.dedup();
            let eps = keys
                .into_iter()
                .filter_map(|k| self.endpoints.get(k).cloned())
                .collect();
            self.clear_dirty();
            eps
        };
        for e in endpoints {
            let up = e.aors.iter().any(|a| self.aor_available(a));
            let was = self.endpoint_up.get(&e.name).copied().unwrap_or(false);
            if up != was {
                self.endpoint_up.insert(e.name.clone(), up);
                let name = &e.name;
                out.line(
                    now,
                    verbose(
                        "res_pjsip/pjsip_configuration.c",
                        format!(
                            "Endpoint {name} is now {}",
                            if up { "Reachable" } else { "Unreachable" }
                        ),
                    ),
                );
            }
        }
    }

    /// Whether Asterisk currently shows the endpoint as Reachable.
    pub fn endpoint_reachable(&self, endpoint: &str) -> bool {
        self.endpoint_up.get(endpoint).copied().unwrap_or(false)
    }

    /// Timers: the expiry sweep and periodic qualify.
    pub fn on_tick(&mut self, now: Millis) -> Outcome {
        let mut out = Outcome::default();
        if !self.up {
            return out;
        }
        if self.next_expiry_timer().is_some_and(|t| t <= now) {
            // the per-binding timers of 13.0–13.8: a silent delete at expiry
            for id in self.store.expiring_by(now) {
                self.remove_binding(now, &id, Why::Expiration, None, &mut out);
            }
        }
        if let Some(at) = self.next_sweep {
            if now >= at {
                self.sweep(now, &mut out);
                let interval = self.config.global.contact_expiration_check_interval as u64 * 1000;
                self.next_sweep = (interval > 0)
                    .then(|| at + interval.max(1) * ((now - at) / interval.max(1) + 1));
            }
        }
        let mut due = std::mem::take(&mut self.qualify_due);
        self.next_qualify.due_into(now, &self.store, &mut due);
        // Mostly one binding per AOR due: one allocation, not a vector grown.
        out.qualify.reserve(due.len());
        for (ix, aor) in due.drain(..) {
            let plan = self.qualify_plan.get(ix as usize).copied();
            let Some(plan) = plan.filter(|p| p.frequency_s > 0) else {
                self.next_qualify.remove_ix(ix);
                continue;
            };
            let next = now + plan.frequency_s as u64 * 1000;
            self.qualify_requests(plan, (ix, aor), None, &mut out.qualify);
            self.next_qualify.insert_ix(ix, next);
        }
        self.qualify_due = due;
        self.update_endpoint_states(now, &mut out);
        out
    }

    /// The periodic sweep (`check_expiration_thread`): stored expiry ≤ now (whole
    /// seconds), deleted when still expired at the millisecond.
    fn sweep(&mut self, now: Millis, out: &mut Outcome) {
        // stored expiry × 1000 < now, in id order
        let Some(limit) = now.checked_sub(1) else {
            return;
        };
        for id in self.store.expiring_by(limit) {
            self.remove_binding(
                now,
                &id,
                Why::Expiration,
                Some("res_pjsip_registrar.c"),
                out,
            );
        }
    }

    /// A TCP/TLS/WS connection closed: bindings tied to it go ("due to shutdown").
    pub fn on_connection_closed(&mut self, now: Millis, conn: ConnId) -> Outcome {
        let mut out = Outcome::default();
        if !self.up || !self.profile.has_transport_monitor() {
            return out;
        }
        for id in self.monitors.of_conn(conn) {
            self.remove_binding(
                now,
                &id,
                Why::Shutdown,
                Some("res_pjsip_registrar.c"),
                &mut out,
            );
        }
        self.update_endpoint_states(now, &mut out);
        out
    }

    /// OPTIONS for every binding of an AOR (dynamic and static), or only for
    /// `only` when given. Qualify keeps its own list of the AOR's contacts
    /// (`pjsip_options.c`): it reads nothing, so it deletes nothing, and an
    /// expired binding the sweep has not reached yet is still qualified.
    pub(crate) fn qualify_aor(&self, ix: AorIx, only: Option<&[Arc<str>]>) -> Vec<QualifyRequest> {
        let mut out = Vec::new();
        if let Some(a) = self.aor_at.get(ix as usize).and_then(Option::as_ref) {
            let aor = Arc::clone(self.store.aor_name(ix));
            self.qualify_requests(QualifyPlan::of(a), (ix, aor), only, &mut out);
        }
        out
    }

    /// [`Registrar::qualify_aor`] for an AOR already looked up, appended to `out`
    /// (a tick qualifies many AORs into one list).
    fn qualify_requests(
        &self,
        plan: QualifyPlan,
        (ix, aor): (AorIx, Arc<str>),
        only: Option<&[Arc<str>]>,
        out: &mut Vec<QualifyRequest>,
    ) {
        let timeout_ms = plan.timeout_ms;
        let request = |contact_id, uri, request_uri, row| QualifyRequest {
            aor: aor.clone(),
            contact_id,
            uri,
            request_uri,
            timeout_ms,
            row,
        };
        // The stored URIs' OPTIONS Request-URIs are kept with their rows; the
        // strings are shared with the rows, not copied.
        out.extend(
            self.store
                .rows_of_ix(ix)
                .filter(|(_, r)| only.is_none_or(|ids| ids.contains(&r.id)))
                .map(|(slot, r)| request(r.id.clone(), r.uri.clone(), None, RowHint(slot))),
        );
        let statics = (plan.statics)
            .then(|| self.aor_at.get(ix as usize).and_then(Option::as_ref))
            .flatten();
        for s in statics.into_iter().flat_map(|a| &a.contacts) {
            let id = crate::binding::static_id(&aor, s);
            if only.is_none_or(|ids| ids.iter().any(|x| **x == *id)) {
                let request_uri = aorlab_sip::Uri::parse(s)
                    .map(|u| options_request_uri(&u).print(UriContext::RequestUri))
                    .unwrap_or_else(|_| s.clone());
                let (id, uri) = (id.into(), s.as_str().into());
                out.push(request(id, uri, Some(request_uri.into()), RowHint::NONE));
            }
        }
    }

    /// Where the OPTIONS of `q` goes (x-ast-orig-host stripped). Ask before the
    /// registrar handles anything else: the binding is read where it was.
    pub fn qualify_request_uri(&self, q: &QualifyRequest) -> Arc<str> {
        if let Some(u) = &q.request_uri {
            return Arc::clone(u);
        }
        (self.store.slot_hinted(&q.contact_id, q.row.0))
            .and_then(|s| self.store.row_at(s))
            .map_or_else(|| Arc::clone(&q.uri), |r| Arc::clone(r.options_uri()))
    }

    /// The answer (or silence) to an OPTIONS sent for `contact_id`.
    pub fn on_qualify_result(
        &mut self,
        now: Millis,
        contact_id: &str,
        result: QualifyResult,
    ) -> Outcome {
        self.on_qualify_answer(now, contact_id, result).0
    }

    /// [`Registrar::on_qualify_result`], also saying how the contact's status and
    /// round trip moved (`None`: the contact is gone, nothing moved): a caller
    /// that follows statuses needs no look-ups before and after.
    pub fn on_qualify_answer(
        &mut self,
        now: Millis,
        contact_id: &str,
        result: QualifyResult,
    ) -> (Outcome, Option<StatusMove>) {
        let slot = self.store.slot_of(contact_id);
        self.qualify_answer_at(now, contact_id, slot, result)
    }

    /// [`Registrar::on_qualify_answer`] for the request's contact and row hint
    /// (the result of a [`QualifyRequest`]): no look-up by id while the row is
    /// where it was.
    pub fn on_qualify_answer_at(
        &mut self,
        now: Millis,
        contact_id: &Arc<str>,
        row: RowHint,
        result: QualifyResult,
    ) -> (Outcome, Option<StatusMove>) {
        let slot = self.store.slot_hinted(contact_id, row.0);
        self.qualify_answer_at(now, contact_id, slot, result)
    }

    fn qualify_answer_at(
        &mut self,
        now: Millis,
        contact_id: &str,
        slot: Option<u32>,
        result: QualifyResult,
    ) -> (Outcome, Option<StatusMove>) {
        let mut out = Outcome::default();
        // The AOR and URI are copied only for the line a status change logs.
        let aor: Cow<str> = if let Some(r) = slot.and_then(|s| self.store.row_at(s)) {
            Cow::Borrowed(&r.b.aor)
        } else if let Some((aor, _)) = self.find_static(contact_id) {
            Cow::Owned(aor)
        } else {
            return (out, None); // deleted meanwhile
        };
        // qualify_2xx_only matters only for an answer that is not a 2xx.
        let two_xx_only = || self.aors.get(&aor).is_some_and(|a| a.qualify_2xx_only);
        let (status, rtt) = match result {
            QualifyResult::Answered { code, rtt_ms }
                if (200..300).contains(&code) || !two_xx_only() =>
            {
                (Status::Reachable, Some(rtt_ms))
            }
            _ => (Status::Unreachable, None),
        };
        let was = self.put_status_at(slot, contact_id, (status, rtt));
        let before = was.0;
        if before != status {
            let (aor, uri) = match self.store.get(contact_id) {
                Some(b) => (b.aor.clone(), b.uri.clone()),
                None => self.find_static(contact_id).unwrap_or_default(),
            };
            let rtt_txt = rtt
                .map(|r| format!("{r:.3}"))
                .unwrap_or_else(|| "0.000".into());
            out.line(
                now,
                verbose(
                    "res_pjsip/pjsip_options.c",
                    format!(
                        "Contact {aor}/{uri} is now {}.  RTT: {rtt_txt} msec",
                        status.label()
                    ),
                ),
            );
        }
        self.update_endpoint_states(now, &mut out);
        let moved = StatusMove {
            before: was,
            after: (status, rtt),
        };
        (out, Some(moved))
    }

    /// Set a status directly (replay of recorded qualify results).
    pub fn set_status(&mut self, contact_id: &str, status: Status, rtt_ms: Option<f64>) {
        self.put_status(contact_id, (status, rtt_ms));
    }

    /// The static contact with this id: `<aor>@@<md5>` names its AOR.
    pub(crate) fn find_static(&self, id: &str) -> Option<(String, String)> {
        let a = self.aors.get(aor_of_id(id)?)?;
        a.contacts
            .iter()
            .find(|c| crate::binding::static_id(&a.name, c) == id)
            .map(|c| (a.name.clone(), c.clone()))
    }
}
