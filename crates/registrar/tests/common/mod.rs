//! Shared helpers for the registrar's integration tests: a pjsip.conf → Registrar
//! harness with a clock, and a REGISTER builder that formats real SIP text and
//! parses it with `aorlab_sip::Message::parse`.
#![allow(dead_code)]

use aorlab_registrar::{
    parse_pjsip_conf, Addr, Change, ChangeKind, Config, Outcome, Profile, Protocol, Received,
    Registrar,
};
use aorlab_sip::Message;

/// 2026-11-26 21:54:12.529 UTC — a start time with a sub-second part, like the recordings.
pub const T0: u64 = 1_795_730_052_529;

/// Parse pjsip.conf text; errors (not warnings) fail the test.
pub fn conf(text: &str) -> Config {
    let (c, d) = parse_pjsip_conf(text);
    let errors: Vec<_> = d
        .iter()
        .filter(|x| x.severity == aorlab_registrar::config::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "config errors: {errors:?}");
    c
}

/// An endpoint `alice` with AOR `alice` and the given extra AOR options.
pub fn alice(aor_opts: &str) -> String {
    format!("[alice]\ntype=endpoint\naors=alice\n\n[alice]\ntype=aor\n{aor_opts}\n")
}

/// A registrar and a clock.
pub struct Pbx {
    pub r: Registrar,
    pub now: u64,
}

impl Pbx {
    pub fn new(text: &str) -> Pbx {
        Pbx::with_profile(Profile::default(), text)
    }
    pub fn with_profile(p: Profile, text: &str) -> Pbx {
        Pbx {
            r: Registrar::new(p, conf(text), T0),
            now: T0,
        }
    }
    /// Let `ms` milliseconds pass (no timers run).
    pub fn wait_ms(&mut self, ms: u64) {
        self.now += ms;
    }
    pub fn wait(&mut self, s: u64) {
        self.now += s * 1000;
    }
    /// Let time pass and run every timer due on the way.
    pub fn run_until(&mut self, at: u64) -> Vec<Outcome> {
        let mut outs = Vec::new();
        while let Some(t) = self.r.next_wakeup() {
            if t > at {
                break;
            }
            self.now = t.max(self.now);
            outs.push(self.r.on_tick(self.now));
        }
        self.now = at;
        outs
    }
    pub fn send(&mut self, b: &Reg) -> Outcome {
        self.r.on_register(self.now, &b.received())
    }
    /// Send and expect this status code.
    pub fn expect(&mut self, b: &Reg, code: u16) -> Outcome {
        let out = self.send(b);
        assert_eq!(status(&out), code, "log: {:#?}", out.log);
        out
    }
    pub fn ok(&mut self, b: &Reg) -> Outcome {
        self.expect(b, 200)
    }
    /// Stored URIs of `aor` in id order (astdb content, no lazy prune).
    pub fn stored(&self, aor: &str) -> Vec<String> {
        self.r
            .bindings()
            .filter(|b| b.aor == aor)
            .map(|b| b.uri.clone())
            .collect()
    }
    pub fn id_of(&self, uri: &str) -> String {
        self.r
            .bindings()
            .find(|b| b.uri == uri)
            .unwrap_or_else(|| panic!("no binding {uri}"))
            .id
            .clone()
    }
    pub fn reload(&mut self, text: &str) -> Outcome {
        self.r.on_reload(self.now, conf(text))
    }
}

/// The same arrival with another request text.
pub fn with_request(rx: &Received, request: Message) -> Received {
    Received::new(
        request,
        rx.source().clone(),
        rx.protocol(),
        rx.conn(),
        rx.transport().map(str::to_string),
    )
}

pub fn status(o: &Outcome) -> u16 {
    o.response.as_ref().map(|m| m.status()).expect("a response")
}

pub fn reason(o: &Outcome) -> String {
    match o.response.as_ref().expect("a response").to_message().start {
        aorlab_sip::StartLine::Response { reason, .. } => reason,
        _ => panic!("not a response"),
    }
}

/// The raw Contact header values of the response, in order.
pub fn resp_contacts(o: &Outcome) -> Vec<String> {
    o.response
        .as_ref()
        .expect("a response")
        .to_message()
        .headers
        .all("Contact")
        .map(str::to_string)
        .collect()
}

pub fn resp_header(o: &Outcome, name: &str) -> Option<String> {
    o.response
        .as_ref()
        .expect("a response")
        .to_message()
        .headers
        .get(name)
        .map(str::to_string)
}

/// Every log line without its `[timestamp] ` prefix.
pub fn all_logs(o: &Outcome) -> Vec<String> {
    o.log
        .iter()
        .map(|l| l.split_once("] ").map(|x| x.1).unwrap_or(l).to_string())
        .collect()
}

/// The log lines without their `[timestamp] ` prefix, leaving out the
/// bookkeeping lines of other modules ("Contact … has been deleted", "Endpoint …
/// is now …"), which `endpoint_state.rs` checks.
pub fn logs(o: &Outcome) -> Vec<String> {
    all_logs(o)
        .into_iter()
        .filter(|l| {
            !l.ends_with(" has been deleted") && !l.contains("pjsip_configuration.c: Endpoint ")
        })
        .collect()
}

pub fn has_log(o: &Outcome, needle: &str) -> bool {
    o.log.iter().any(|l| l.contains(needle))
}

pub fn changes(o: &Outcome, kind: ChangeKind) -> Vec<&Change> {
    o.changes.iter().filter(|c| c.kind == kind).collect()
}

pub fn removed_uris(o: &Outcome) -> Vec<String> {
    changes(o, ChangeKind::Removed)
        .into_iter()
        .map(|c| c.uri.to_string())
        .collect()
}

/// A REGISTER under construction.
#[derive(Debug, Clone)]
pub struct Reg {
    pub to: String,
    pub from: String,
    pub call_id: String,
    pub cseq: u32,
    pub contacts: Vec<String>,
    pub expires: Option<String>,
    pub extra: Vec<(String, String)>,
    pub vias: Vec<String>,
    pub src: Addr,
    pub protocol: Protocol,
    pub conn: Option<u64>,
    pub transport: Option<String>,
}

/// A REGISTER from `user` (From and To `sip:user@example.com`) sent from 10.0.0.1:5060/UDP.
pub fn reg(user: &str) -> Reg {
    Reg {
        to: format!("<sip:{user}@example.com>"),
        from: format!("<sip:{user}@example.com>;tag=ft-{user}"),
        call_id: format!("cid-{user}"),
        cseq: 1,
        contacts: Vec::new(),
        expires: None,
        extra: Vec::new(),
        vias: Vec::new(),
        src: Addr::new("10.0.0.1", 5060),
        protocol: Protocol::Udp,
        conn: None,
        transport: None,
    }
}

impl Reg {
    /// Add one Contact header with this exact value (`<sip:…>;expires=…`, `*`).
    pub fn contact(mut self, v: &str) -> Reg {
        self.contacts.push(v.to_string());
        self
    }
    /// `<uri>` as a Contact.
    pub fn c(self, uri: &str) -> Reg {
        self.contact(&format!("<{uri}>"))
    }
    /// `<uri>;expires=e` as a Contact.
    pub fn ce(self, uri: &str, e: u32) -> Reg {
        self.contact(&format!("<{uri}>;expires={e}"))
    }
    pub fn expires(mut self, e: u32) -> Reg {
        self.expires = Some(e.to_string());
        self
    }
    pub fn to(mut self, v: &str) -> Reg {
        self.to = v.to_string();
        self
    }
    pub fn from(mut self, v: &str) -> Reg {
        self.from = v.to_string();
        self
    }
    pub fn call_id(mut self, v: &str) -> Reg {
        self.call_id = v.to_string();
        self
    }
    pub fn header(mut self, name: &str, v: &str) -> Reg {
        self.extra.push((name.to_string(), v.to_string()));
        self
    }
    pub fn src(mut self, a: &str) -> Reg {
        self.src = Addr::parse(a).expect("ip:port");
        self
    }
    pub fn via(mut self, v: &str) -> Reg {
        self.vias.push(v.to_string());
        self
    }
    pub fn proto(mut self, p: Protocol, conn: Option<u64>) -> Reg {
        self.protocol = p;
        self.conn = conn;
        self
    }
    pub fn tcp(self, conn: u64) -> Reg {
        self.proto(Protocol::Tcp, Some(conn))
    }
    pub fn transport(mut self, name: &str) -> Reg {
        self.transport = Some(name.to_string());
        self
    }

    /// The request text, CRLF line ends.
    pub fn text(&self) -> String {
        let tp = match self.protocol {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Ws => "WS",
            Protocol::Wss => "WSS",
        };
        let mut s = String::from("REGISTER sip:example.com SIP/2.0\r\n");
        if self.vias.is_empty() {
            s.push_str(&format!(
                "Via: SIP/2.0/{tp} {};rport;branch=z9hG4bK-{}-{}\r\n",
                self.src, self.call_id, self.cseq
            ));
        }
        for v in &self.vias {
            s.push_str(&format!("Via: {v}\r\n"));
        }
        s.push_str("Max-Forwards: 70\r\n");
        s.push_str(&format!("From: {}\r\n", self.from));
        s.push_str(&format!("To: {}\r\n", self.to));
        s.push_str(&format!("Call-ID: {}\r\n", self.call_id));
        s.push_str(&format!("CSeq: {} REGISTER\r\n", self.cseq));
        for c in &self.contacts {
            s.push_str(&format!("Contact: {c}\r\n"));
        }
        if let Some(e) = &self.expires {
            s.push_str(&format!("Expires: {e}\r\n"));
        }
        for (n, v) in &self.extra {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        s.push_str("Content-Length: 0\r\n\r\n");
        s
    }

    pub fn received(&self) -> Received {
        let text = self.text();
        let request =
            Message::parse(&text).unwrap_or_else(|e| panic!("cannot parse {text}: {e:?}"));
        Received::new(
            request,
            self.src.clone(),
            self.protocol,
            self.conn,
            self.transport.clone(),
        )
    }
}
