//! Incidents and the per-phone summary: a pass over the finished trace (its
//! reachability spans and the phones' typed records), not code inside the event loop.

use std::collections::HashMap;

use crate::duration::{clock, format_duration};
use crate::scenario::{Action, Device, Scenario, SimMs};
use crate::trace::{
    Cause, DeviceSummary, Incident, PhoneEvent, QualifySilenced, Reach, Record, RecordKind, Span,
};

/// What a phone's records say besides its spans.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PhoneFacts<'a> {
    pub name: &'a str,
    /// 403 answers it received (a failed REGISTER's record).
    pub rejections_403: u32,
    /// It gave up and has not started again (no reboot, no coming back online, no REGISTER
    /// asking for a binding since).
    pub gave_up: bool,
    /// When it first sent a REGISTER (`None`: never).
    pub first_wanted: Option<SimMs>,
}

/// The facts of each of `phones` (in that order), read from the records.
pub(crate) fn phone_facts<'a>(records: &[Record], phones: &[&'a str]) -> Vec<PhoneFacts<'a>> {
    let index: HashMap<&str, usize> = phones.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut facts: Vec<PhoneFacts> = phones
        .iter()
        .map(|name| PhoneFacts {
            name,
            ..PhoneFacts::default()
        })
        .collect();
    for r in records {
        let Some(f) = index.get(r.actor.as_str()).map(|&i| &mut facts[i]) else {
            continue;
        };
        match r.phone {
            Some(PhoneEvent::Failed { code, gave_up }) => {
                f.rejections_403 += u32::from(code == Some(403));
                f.gave_up |= gave_up;
            }
            Some(PhoneEvent::Resumed) => f.gave_up = false,
            None => {}
        }
        let register = r.kind == RecordKind::Sip
            && r.sip
                .as_ref()
                .is_some_and(|s| s.method == "REGISTER" && s.code.is_none() && s.from == r.actor);
        if register {
            f.first_wanted.get_or_insert(r.at_ms);
            // Asking for a binding again (not an unregister) ends giving up.
            if r.sip.as_ref().and_then(|s| s.expires) != Some(0) {
                f.gave_up = false;
            }
        }
    }
    facts
}

/// What the scenario says about why a mapping went idle: Asterisk's outages and each phone's
/// qualify interval. Built once per summary (a site has thousands of phones).
pub(crate) struct Silences<'a> {
    sc: &'a Scenario,
    /// (went down, down for) of every restart and crash.
    outages: Vec<(SimMs, SimMs)>,
    devices: HashMap<&'a str, &'a Device>,
}

impl<'a> Silences<'a> {
    pub fn new(sc: &'a Scenario) -> Silences<'a> {
        let outages = (sc.events.iter())
            .filter_map(|e| match e.action {
                Action::Restart { down_ms, .. } => Some((e.at, down_ms)),
                _ => None,
            })
            .collect();
        let devices = sc.devices.iter().map(|d| (d.name.as_str(), d)).collect();
        Silences {
            sc,
            outages,
            devices,
        }
    }

    /// The device's AOR's qualify_frequency in seconds (`None`: it does not qualify).
    pub fn qualify_s(&self, device: &str) -> Option<u64> {
        let user = &self.devices.get(device)?.user;
        let config = &self.sc.config;
        let aor = config.aors.get(user).or_else(|| {
            let e = config.endpoints.get(user)?;
            e.aors.iter().find_map(|a| config.aors.get(a))
        })?;
        (aor.qualify_frequency > 0).then_some(u64::from(aor.qualify_frequency))
    }

    /// When the Asterisk outage that made `device`'s mapping idle began: a restart or crash
    /// overlapping the `idle_ms` before `forgot_ms`, for a phone whose qualify runs more often
    /// than that (without the outage its OPTIONS would have kept the mapping open).
    pub fn silenced(
        &self,
        device: &str,
        forgot_ms: SimMs,
        idle_ms: SimMs,
    ) -> Option<QualifySilenced> {
        let from = forgot_ms - idle_ms.min(forgot_ms);
        let (restart_at_ms, _) =
            *(self.outages.iter()).find(|&&(at, down)| at <= forgot_ms && at + down >= from)?;
        let qualify_s = self.qualify_s(device).filter(|&q| q * 1000 < idle_ms)?;
        Some(QualifySilenced {
            restart_at_ms,
            qualify_s,
        })
    }
}

/// `spans` in any order; the result is worst first (most time in trouble), then by name.
pub(crate) fn summarize(
    phones: &[PhoneFacts],
    spans: &[Span],
    until: SimMs,
    silences: &Silences,
) -> Vec<DeviceSummary> {
    // One pass over the spans, grouped by phone: a site has thousands of both.
    let mut by_phone: HashMap<&str, Vec<&Span>> = HashMap::with_capacity(phones.len());
    for sp in spans {
        by_phone.entry(sp.device.as_str()).or_default().push(sp);
    }
    let mut out: Vec<DeviceSummary> = phones
        .iter()
        .map(|p| {
            let mine = by_phone.get(p.name).map_or(&[][..], Vec::as_slice);
            let mut s = DeviceSummary {
                device: p.name.to_string(),
                reachable_ms: 0,
                wanted_ms: p.first_wanted.map_or(0, |f| until.saturating_sub(f)),
                unreachable_ms: 0,
                unregistered_ms: 0,
                rejections_403: p.rejections_403,
                gave_up: p.gave_up,
                incidents: Vec::new(),
                line: String::new(),
            };
            for sp in mine {
                let len = sp.to_ms - sp.from_ms;
                match sp.state {
                    Reach::Reachable => s.reachable_ms += len,
                    Reach::Stale => s.unreachable_ms += len,
                    Reach::Unregistered | Reach::GaveUp => s.unregistered_ms += len,
                    _ => {}
                }
                if sp.state.is_trouble() {
                    s.incidents.push(incident(sp, until, silences));
                }
            }
            s.incidents.sort_by_key(|i| i.start_ms);
            s.line = line(&s);
            s
        })
        .collect();
    out.sort_by(|a, b| {
        (b.unreachable_ms + b.unregistered_ms)
            .cmp(&(a.unreachable_ms + a.unregistered_ms))
            .then(b.rejections_403.cmp(&a.rejections_403))
            .then(a.device.cmp(&b.device))
    });
    out
}

/// "unreachable" / "not registered" / "gave up".
pub fn state_words(state: Reach) -> &'static str {
    match state {
        Reach::Stale => "unreachable",
        Reach::Unregistered => "not registered",
        Reach::GaveUp => "gave up, not registered",
        Reach::Reachable => "reachable",
        Reach::Registering => "registering",
        Reach::Idle => "not registering",
        Reach::Offline => "offline",
    }
}

fn incident(sp: &Span, until: SimMs, silences: &Silences) -> Incident {
    let end_ms = (sp.to_ms < until).then_some(sp.to_ms);
    let cause = sp.cause.clone().unwrap_or(Cause::Unknown);
    let qualify_silenced = match cause {
        Cause::MappingForgotten { idle_ms, .. } => {
            silences.silenced(&sp.device, sp.from_ms, idle_ms)
        }
        _ => None,
    };
    let when = match end_ms {
        Some(e) => format!(
            "from {} to {} ({})",
            clock(sp.from_ms),
            clock(e),
            format_duration(e - sp.from_ms)
        ),
        None => format!("from {} until the end", clock(sp.from_ms)),
    };
    let registered = if sp.state == Reach::Stale {
        " (registered, stale binding)"
    } else {
        ""
    };
    let mut incident = Incident {
        device: sp.device.clone(),
        start_ms: sp.from_ms,
        end_ms,
        state: sp.state,
        text: String::new(),
        cause,
        qualify_silenced,
    };
    incident.text = format!(
        "{when} {}{registered}: {}",
        state_words(sp.state),
        incident.cause_text()
    );
    incident
}

fn line(s: &DeviceSummary) -> String {
    let mut parts = Vec::new();
    if s.wanted_ms == 0 {
        parts.push("never registered".to_string());
    } else if s.unreachable_ms == 0 && s.unregistered_ms == 0 {
        parts.push("reachable throughout".to_string());
    } else {
        if s.unreachable_ms > 0 {
            parts.push(format!("unreachable {}", format_duration(s.unreachable_ms)));
        }
        if s.unregistered_ms > 0 {
            parts.push(format!(
                "not registered {}",
                format_duration(s.unregistered_ms)
            ));
        }
    }
    if s.rejections_403 > 0 {
        parts.push(format!("{} × 403", s.rejections_403));
    }
    if s.gave_up {
        parts.push("gave up".into());
    }
    let mut l = format!("{}: {}", s.device, parts.join(", "));
    // The first cause, so the line alone tells the story.
    if let Some(first) = s.incidents.first() {
        l.push_str(&format!(
            " — from {} {}: {}",
            clock(first.start_ms),
            state_words(first.state),
            first.cause_text()
        ));
        if let Some(next) = s.incidents.iter().find(|i| i.state != first.state) {
            l.push_str(&format!(
                "; from {} {}: {}",
                clock(next.start_ms),
                state_words(next.state),
                next.cause_text()
            ));
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: SimMs, to: SimMs, state: Reach, cause: Option<Cause>) -> Span {
        Span {
            device: "desk".into(),
            from_ms: from,
            to_ms: to,
            state,
            cause,
        }
    }

    fn rec(at_ms: SimMs, actor: &str, phone: Option<PhoneEvent>, register: Option<u32>) -> Record {
        Record {
            at_ms,
            kind: if register.is_some() {
                RecordKind::Sip
            } else {
                RecordKind::Device
            },
            actor: actor.into(),
            summary: String::new(),
            log: None,
            why: None,
            sip: register.map(|expires| crate::trace::SipText {
                from: actor.into(),
                to: "asterisk".into(),
                first_line: String::new(),
                text: String::new(),
                method: "REGISTER".into(),
                code: None,
                expires: Some(expires),
            }),
            change: None,
            aor: None,
            devices: vec![actor.into()],
            nat: None,
            uri: None,
            code: None,
            phone,
        }
    }

    #[test]
    fn facts_come_from_the_phones_records() {
        let failed = |code, gave_up| Some(PhoneEvent::Failed { code, gave_up });
        let records = vec![
            rec(5_000, "desk", None, Some(300)),
            rec(5_040, "desk", failed(Some(403), false), None),
            rec(35_000, "desk", None, Some(300)),
            rec(35_040, "desk", failed(Some(403), true), None),
            // An unregister is not trying again.
            rec(40_000, "desk", None, Some(0)),
            rec(9_000, "soft", None, Some(300)),
            rec(9_040, "soft", failed(Some(404), true), None),
            rec(60_000, "soft", Some(PhoneEvent::Resumed), None),
            rec(70_000, "roam", failed(None, true), None),
            // A REGISTER asking for a binding again (it roamed) ends giving up.
            rec(80_000, "roam", None, Some(300)),
        ];
        let f = phone_facts(&records, &["desk", "soft", "roam", "idle"]);
        assert_eq!(
            f[0],
            PhoneFacts {
                name: "desk",
                rejections_403: 2,
                gave_up: true,
                first_wanted: Some(5_000)
            }
        );
        assert_eq!(
            f[1],
            PhoneFacts {
                name: "soft",
                rejections_403: 0,
                gave_up: false,
                first_wanted: Some(9_000)
            }
        );
        assert_eq!(
            f[2],
            PhoneFacts {
                name: "roam",
                rejections_403: 0,
                gave_up: false,
                first_wanted: Some(80_000)
            }
        );
        assert_eq!(
            f[3],
            PhoneFacts {
                name: "idle",
                ..PhoneFacts::default()
            }
        );
    }

    #[test]
    fn totals_causes_and_order() {
        let forgot = Cause::MappingForgotten {
            nat: "home".into(),
            private: "192.168.1.10:5060".into(),
            public_port: 48908,
            protocol: "udp".into(),
            idle_ms: 60_000,
        };
        let spans = vec![
            span(0, 60_000, Reach::Reachable, None),
            span(60_000, 289_000, Reach::Stale, Some(forgot)),
            span(
                289_000,
                1_800_000,
                Reach::GaveUp,
                Some(Cause::Rejected {
                    code: 403,
                    reason: "max_contacts".into(),
                }),
            ),
            Span {
                device: "soft".into(),
                ..span(0, 1_800_000, Reach::Reachable, None)
            },
        ];
        let phones = [
            PhoneFacts {
                name: "soft",
                rejections_403: 0,
                gave_up: false,
                first_wanted: Some(0),
            },
            PhoneFacts {
                name: "desk",
                rejections_403: 1,
                gave_up: true,
                first_wanted: Some(0),
            },
        ];
        let sc = scenario(30, "");
        let s = summarize(&phones, &spans, 1_800_000, &Silences::new(&sc));
        assert_eq!(s[0].device, "desk", "worst first");
        assert_eq!(s[0].unreachable_ms, 229_000);
        assert_eq!(s[0].unregistered_ms, 1_511_000);
        assert_eq!(
            s[0].line,
            "desk: unreachable 3m 49s, not registered 25m 11s, 1 × 403, gave up — from 1:00 unreachable: home forgot the idle UDP mapping 192.168.1.10:5060 → :48908 after 60 s idle; from 4:49 gave up, not registered: REGISTER rejected, 403 max_contacts"
        );
        assert_eq!(s[0].incidents.len(), 2);
        assert_eq!(s[0].incidents[1].end_ms, None);
        assert_eq!(s[1].line, "soft: reachable throughout");
    }

    /// desk and soft behind `home` (UDP mappings forgotten after 60 s idle); desk's AOR
    /// qualifies every `qualify_s` (0: never), soft's never; `events` appended.
    fn scenario(qualify_s: u32, events: &str) -> Scenario {
        let text = format!(
            "asterisk 22\npjsip.conf {{\n[desk]\ntype = endpoint\naors = desk\n\n[desk]\ntype = aor\nmax_contacts = 1\nqualify_frequency = {qualify_s}\n\n[soft]\ntype = endpoint\naors = soft\n\n[soft]\ntype = aor\nmax_contacts = 1\n}}\nnat home public 203.0.113.7 udp-timeout 60s\ndevice desk desk udp 192.168.1.10:5060 behind home\ndevice soft soft udp 192.168.1.11:5060 behind home\nat 0s register desk soft\n{events}until 30m\n"
        );
        crate::parse(&text).expect("parses").0
    }

    #[test]
    fn a_restart_that_silenced_qualify_is_the_first_cause() {
        let forgot = |device: &str| Span {
            device: device.into(),
            ..span(
                60_000,
                120_000,
                Reach::Stale,
                Some(Cause::MappingForgotten {
                    nat: "home".into(),
                    private: "192.168.1.10:5060".into(),
                    public_port: 48908,
                    protocol: "udp".into(),
                    idle_ms: 60_000,
                }),
            )
        };
        let spans = [forgot("desk"), forgot("soft")];
        let phones = ["desk", "soft"].map(|name| PhoneFacts {
            name,
            first_wanted: Some(0),
            ..PhoneFacts::default()
        });
        let silenced = |sc: &Scenario, device: &str| {
            let s = summarize(&phones, &spans, 1_800_000, &Silences::new(sc));
            let d = s
                .into_iter()
                .find(|d| d.device == device)
                .expect("summarised");
            (d.incidents[0].qualify_silenced, d.line)
        };
        // Down from 0:30 to 0:50, inside the minute the mapping sat idle before 1:00.
        let restart = "at 30s asterisk restart graceful down 20s\n";
        let sc = scenario(30, restart);
        let (desk, line) = silenced(&sc, "desk");
        assert_eq!(
            desk,
            Some(QualifySilenced {
                restart_at_ms: 30_000,
                qualify_s: 30
            })
        );
        assert_eq!(
            line,
            "desk: unreachable 1m — from 1:00 unreachable: Asterisk restarted at 0:30 and qualify (every 30 s) stopped, so home forgot the idle UDP mapping 192.168.1.10:5060 → :48908 after 60 s idle"
        );
        // soft does not qualify: its mapping would have gone idle anyway.
        assert_eq!(silenced(&sc, "soft").0, None);
        // Qualify every 90 s cannot keep a 60 s mapping open, restart or not.
        assert_eq!(silenced(&scenario(90, restart), "desk").0, None);
        // A restart after the mapping was forgotten is no cause; nor is no restart.
        assert_eq!(
            silenced(
                &scenario(30, "at 70s asterisk restart graceful down 20s\n"),
                "desk"
            )
            .0,
            None
        );
        assert_eq!(silenced(&scenario(30, ""), "desk").0, None);
    }
}
