//! The model held against the capture: the registrar (sans-IO, its clock at the
//! capture's own times) gets every captured REGISTER, TCP close, stop and boot,
//! and qualify verdict in order; each answer it gives is compared with the one
//! Asterisk gave: status, reason, Expires header, Contacts (in order) and their
//! expires. Glue kept apart from `aorlab replay` (cli/replay.rs compares the same
//! fields for recordings; the two could share a comparison later).

use crate::evidence::*;
use crate::story::{Register, Story};
use aorlab_registrar::{
    dynamic_id, Addr, Config, Millis, Outcome, Profile, Protocol, Received, Registrar, Status,
};
use aorlab_sip::{Contact, Message, StartLine, Uri, UriContext};
use serde::Serialize;
use std::collections::BTreeMap;

/// An answer to a REGISTER, reduced to what is compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    pub expires_header: Option<u64>,
    /// Contact URIs as printed in Contact context, with `;expires=`.
    pub contacts: Vec<(String, Option<i64>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Answered,
    Status,
    Reason,
    ExpiresHeader,
    Contacts,
    ContactExpires,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub field: Field,
    /// For `ContactExpires`: which Contact.
    pub contact: Option<String>,
    pub captured: String,
    pub model: String,
}

/// One captured REGISTER, the answer Asterisk gave and the model's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Index into `Story::registers`.
    pub register: usize,
    pub at_us: Micros,
    pub captured: Option<Answer>,
    pub model: Option<Answer>,
    pub differences: Vec<Difference>,
    /// Registrar log lines this REGISTER produced in the model.
    pub model_log: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub profile: Profile,
    pub verdicts: Vec<Verdict>,
    pub passed: usize,
    pub failed: usize,
    /// REGISTERs whose answer the capture lacks (not counted).
    pub unanswered: usize,
}

impl CheckReport {
    pub fn summary_line(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// Read an answer out of a response.
pub fn answer_of(m: &Message) -> Option<Answer> {
    let StartLine::Response { code, reason } = &m.start else {
        return None;
    };
    let contacts = m
        .headers
        .contacts()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| match c {
            Contact::Addr(v) => Some((
                v.addr.uri.print(UriContext::Contact),
                v.param("expires")
                    .and_then(|p| p.value.as_deref())
                    .and_then(|e| e.parse().ok()),
            )),
            Contact::Star => None,
        })
        .collect();
    Some(Answer {
        status: *code,
        reason: reason.clone(),
        expires_header: m.headers.get("Expires").and_then(|e| e.trim().parse().ok()),
        contacts,
    })
}

/// Contacts this request granted or refreshed (their expires must match exactly).
fn fresh_contacts(out: &Outcome) -> Vec<String> {
    out.changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                aorlab_registrar::ChangeKind::Added | aorlab_registrar::ChangeKind::Refreshed
            )
        })
        .filter_map(|c| Uri::parse(&c.uri).ok())
        .map(|mut u| {
            if let Some(Some(v)) = u.remove_param("x-ast-orig-host") {
                if let Some((h, p)) = v.rsplit_once(':') {
                    u.host = aorlab_sip::Host(h.to_string());
                    u.port = p.parse().ok().filter(|p| *p != 0);
                }
            }
            u.print(UriContext::Contact)
        })
        .collect()
}

fn compare(
    captured: &Option<Answer>,
    model: &Option<Answer>,
    fresh: &[String],
    coarse: bool,
    ordered: bool,
) -> Vec<Difference> {
    let diff = |field, captured: String, model: String| Difference {
        field,
        contact: None,
        captured,
        model,
    };
    let (c, m) = match (captured, model) {
        (Some(c), Some(m)) => (c, m),
        (None, None) => return vec![],
        (c, m) => {
            let show = |a: &Option<Answer>| {
                a.as_ref()
                    .map(|a| a.status.to_string())
                    .unwrap_or_else(|| "no answer".into())
            };
            return vec![diff(Field::Answered, show(c), show(m))];
        }
    };
    let mut out = Vec::new();
    if c.status != m.status {
        out.push(diff(
            Field::Status,
            c.status.to_string(),
            m.status.to_string(),
        ));
    }
    if c.reason != m.reason {
        out.push(diff(Field::Reason, c.reason.clone(), m.reason.clone()));
    }
    if c.expires_header != m.expires_header {
        let s = |e: Option<u64>| e.map(|e| e.to_string()).unwrap_or_else(|| "none".into());
        out.push(diff(
            Field::ExpiresHeader,
            s(c.expires_header),
            s(m.expires_header),
        ));
    }
    let uris = |a: &Answer| {
        let mut v = a.contacts.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        if !ordered {
            v.sort();
        }
        v
    };
    if uris(c) != uris(m) {
        out.push(diff(
            Field::Contacts,
            uris(c).join(", "),
            uris(m).join(", "),
        ));
    }
    for e in &c.contacts {
        let Some(g) = m.contacts.iter().find(|g| g.0 == e.0) else {
            continue;
        };
        // A refresh's own binding is exact; others were stored earlier and are
        // read a moment later (±1 s), as are all with whole-second timestamps.
        let tol = if fresh.contains(&e.0) && !coarse {
            0
        } else {
            1
        };
        let ok = match (e.1, g.1) {
            (Some(a), Some(b)) => (a - b).abs() <= tol,
            (a, b) => a == b,
        };
        if !ok {
            let s = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "none".into());
            out.push(Difference {
                field: Field::ContactExpires,
                contact: Some(e.0.clone()),
                captured: s(e.1),
                model: s(g.1),
            });
        }
    }
    out
}

/// What drives the model, in time order.
enum Input<'a> {
    Register(usize, &'a Register),
    Event(&'a ServerEvent),
    /// A captured OPTIONS verdict (pcap): Request-URI and reachable or not.
    Probe(&'a str, bool),
}

fn conf_transport(config: &Config, p: Protocol, server: Option<&str>) -> Option<String> {
    let port = server
        .and_then(|s| s.rsplit_once(':'))
        .map(|x| x.1.to_string());
    let same: Vec<_> = config
        .transports
        .values()
        .filter(|t| t.protocol == p)
        .collect();
    same.iter()
        .find(|t| {
            port.as_deref()
                .is_some_and(|port| t.bind.ends_with(&format!(":{port}")))
        })
        .or(same.first())
        .map(|t| t.name.clone())
}

fn protocol(t: Transport) -> Protocol {
    Protocol::parse(t.as_str()).unwrap_or(Protocol::Udp)
}

/// Ids of stored bindings an OPTIONS to `request_uri` qualifies.
fn probed(reg: &Registrar, request_uri: &str) -> Vec<String> {
    let want = Uri::parse(request_uri)
        .map(|u| u.print(UriContext::RequestUri))
        .ok();
    reg.bindings()
        .filter(|b| {
            Uri::parse(&b.uri).ok().map(|mut u| {
                u.remove_param("x-ast-orig-host");
                u.print(UriContext::RequestUri)
            }) == want
        })
        .map(|b| b.id.clone())
        .collect()
}

fn inputs<'a>(cap: &'a Capture, story: &'a Story, config: &Config) -> Vec<(Millis, Input<'a>)> {
    let mut v: Vec<(Millis, Input)> = Vec::new();
    for (i, r) in story
        .registers
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.retransmission)
    {
        v.push((r.at_us / 1000, Input::Register(i, r)));
    }
    for e in &cap.events {
        v.push((e.at_us() / 1000, Input::Event(e)));
    }
    if cap.input != InputKind::AsteriskLog {
        for p in &story.probes {
            match p.answered_us {
                Some(t) => v.push((t / 1000, Input::Probe(&p.request_uri, true))),
                None => {
                    // pjsip gives up after qualify_timeout (of the AOR whose user it is; else 3 s).
                    let user = p.request_uri.split(['@', ':']).nth(1).unwrap_or("");
                    let timeout = config
                        .aors
                        .get(user)
                        .map(|a| a.qualify_timeout)
                        .unwrap_or(3.0);
                    v.push((
                        (p.at_us / 1000) + (timeout * 1000.0) as u64,
                        Input::Probe(&p.request_uri, false),
                    ));
                }
            }
        }
    }
    v.sort_by_key(|x| x.0);
    v
}

/// Drive the registrar with the capture and compare every answer.
pub fn check(cap: &Capture, story: &Story, config: &Config, profile: Profile) -> CheckReport {
    check_with(cap, story, config, profile, true)
}

/// As [`check`]; `contact_order: false` compares the answers' Contacts as sets.
/// An anonymised capture needs that: from 20.16/21.11/22.6 Asterisk lists
/// Contacts by the MD5 of the stored URI, and anonymising changes the URIs.
pub fn check_with(
    cap: &Capture,
    story: &Story,
    config: &Config,
    profile: Profile,
    contact_order: bool,
) -> CheckReport {
    let coarse = cap.blind_spots.contains(&BlindSpot::SecondResolution);
    let mut report = CheckReport {
        profile,
        verdicts: Vec::new(),
        passed: 0,
        failed: 0,
        unanswered: 0,
    };
    for step in replay(cap, story, config, profile) {
        let r = &story.registers[step.register];
        let captured = captured_answer(cap, r);
        let differences = if captured.is_none() {
            report.unanswered += 1;
            vec![]
        } else {
            compare(&captured, &step.model, &step.fresh, coarse, contact_order)
        };
        if captured.is_some() {
            if differences.is_empty() {
                report.passed += 1;
            } else {
                report.failed += 1;
            }
        }
        report.verdicts.push(Verdict {
            register: step.register,
            at_us: step.at_us,
            captured,
            model: step.model,
            differences,
            model_log: step.log,
        });
    }
    report
}

/// The answer Asterisk gave to a captured REGISTER, if the capture has it.
pub fn captured_answer(cap: &Capture, r: &Register) -> Option<Answer> {
    r.answer
        .and_then(|a| Message::parse(&cap.packets[a].text).ok())
        .as_ref()
        .and_then(answer_of)
}

/// Compare a captured answer with a model's (see [`check_with`]).
pub fn differences(
    cap: &Capture,
    captured: &Option<Answer>,
    step: &Replayed,
    contact_order: bool,
) -> Vec<Difference> {
    let coarse = cap.blind_spots.contains(&BlindSpot::SecondResolution);
    compare(captured, &step.model, &step.fresh, coarse, contact_order)
}

/// One captured REGISTER as the model answered it in a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    /// Index into `Story::registers`.
    pub register: usize,
    pub at_us: Micros,
    pub model: Option<Answer>,
    /// Contacts this request granted or refreshed (their expires are exact).
    pub fresh: Vec<String>,
    /// The registrar's log lines for it, in Asterisk's words.
    pub log: Vec<String>,
}

/// The replay: the registrar (sans-IO, its clock at the capture's times) gets
/// exactly the captured REGISTERs (not retransmissions) from their captured
/// source addresses, and the captured TCP closes, stops, boots and qualify
/// verdicts, in time order. Only what was captured is sent: the model's answer
/// does not change what the phones sent next.
pub fn replay(cap: &Capture, story: &Story, config: &Config, profile: Profile) -> Vec<Replayed> {
    let inputs = inputs(cap, story, config);
    let first = inputs.first().map(|x| x.0).unwrap_or(0);
    let mut reg = Registrar::new(profile, config.clone(), first.saturating_sub(1));
    if let Some(v) = &cap.asterisk_version {
        reg = reg.with_server_version(v);
    }
    let mut conns: BTreeMap<u32, u64> = BTreeMap::new();
    let mut steps = Vec::new();
    let mut first_boot = true;
    for (at, input) in inputs {
        while let Some(t) = reg.next_wakeup().filter(|t| *t < at) {
            reg.on_tick(t);
        }
        match input {
            Input::Register(i, r) => {
                let pkt = &cap.packets[r.packet];
                let Ok(request) = Message::parse(&pkt.text) else {
                    continue;
                };
                let n = conns.len() as u64 + 1;
                let conn = r.conn.map(|c| *conns.entry(c).or_insert(n));
                // An unreadable source was warned about when the input was read.
                let source = Addr::parse(&r.peer).unwrap_or_else(|| Addr::new("0.0.0.0", 0));
                let transport =
                    conf_transport(config, protocol(r.transport), pkt.server.as_deref());
                let rx = Received::new(request, source, protocol(r.transport), conn, transport);
                let out = reg.on_register(at, &rx);
                steps.push(Replayed {
                    register: i,
                    at_us: r.at_us,
                    model: out
                        .response
                        .as_ref()
                        .and_then(|r| answer_of(&r.to_message())),
                    fresh: fresh_contacts(&out),
                    log: out.log.into_iter().map(String::from).collect(),
                });
            }
            Input::Event(ServerEvent::ConnectionClosed { conn, .. }) => {
                if let Some(c) = conns.get(conn) {
                    reg.on_connection_closed(at, *c);
                }
            }
            Input::Event(ServerEvent::Stopped { .. }) => {
                reg.on_stop(at);
                first_boot = false;
            }
            Input::Event(ServerEvent::Booted { .. }) => {
                // The first boot in a log is the start the model already made.
                if !first_boot || !reg.is_up() {
                    reg.on_start(at);
                }
                first_boot = false;
            }
            Input::Event(ServerEvent::Qualify {
                aor,
                uri,
                status,
                rtt_ms,
                ..
            }) => {
                let id = dynamic_id(aor, uri);
                if reg.bindings().any(|b| b.id == id) {
                    let st = match status {
                        QualifyStatus::Reachable => Status::Reachable,
                        QualifyStatus::Unreachable => Status::Unreachable,
                    };
                    reg.set_status(&id, st, *rtt_ms);
                }
            }
            Input::Event(ServerEvent::Log { .. }) => {}
            Input::Probe(uri, ok) => {
                for id in probed(&reg, uri) {
                    let st = if ok {
                        Status::Reachable
                    } else {
                        Status::Unreachable
                    };
                    reg.set_status(&id, st, None);
                }
            }
        }
    }
    steps
}
