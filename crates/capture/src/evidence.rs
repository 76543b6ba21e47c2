//! What an input shows: SIP messages at the registrar with times, transports and
//! addresses, server events (closes, stops, boots, logged statuses), and what the
//! input cannot show. Plain data; the readers fill it, the story and check read it.

use serde::Serialize;

/// Microseconds since the Unix epoch (UTC).
pub type Micros = u64;

/// Which kind of evidence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// An Asterisk `full` log (or console paste) with `pjsip set logger on`.
    AsteriskLog,
    Pcap,
    PcapNg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    pub fn parse(s: &str) -> Option<Transport> {
        Some(match s.to_ascii_uppercase().as_str() {
            "UDP" => Transport::Udp,
            "TCP" => Transport::Tcp,
            "TLS" => Transport::Tls,
            "WS" => Transport::Ws,
            "WSS" => Transport::Wss,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }
    /// Connection-oriented (a binding may be tied to the connection).
    pub fn is_reliable(self) -> bool {
        self != Transport::Udp
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received by the registrar (Asterisk).
    ToServer,
    /// Sent by the registrar.
    FromServer,
}

/// Where in the input something was found (1-based), for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum Place {
    Line(u32),
    Packet(u32),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Packet(n) => write!(f, "packet {n}"),
        }
    }
}

/// One SIP message seen at the registrar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SipPacket {
    pub at_us: Micros,
    pub direction: Direction,
    pub transport: Transport,
    /// The other side's `ip:port` as the registrar saw it (device or NAT).
    pub peer: String,
    /// The registrar's own `ip:port`, when the input shows it (pcap).
    pub server: Option<String>,
    /// Connection number (1, 2, …) for TCP/TLS/WS; `None` for UDP.
    pub conn: Option<u32>,
    /// The message text, CRLF line ends.
    pub text: String,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Device,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseHow {
    Fin,
    Rst,
    /// Not seen on the wire: Asterisk logged a binding "Removed … due to shutdown",
    /// which its transport monitor does only when that connection closed.
    LoggedRemoval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopHow {
    /// "Asterisk cleanly ending" was logged.
    Graceful,
    /// A new boot began without a logged end (crash, kill -9): the stop time is
    /// the last line the old process wrote.
    Unlogged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualifyStatus {
    Reachable,
    Unreachable,
}

/// Something that happened at the registrar other than a SIP message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerEvent {
    ConnectionClosed {
        at_us: Micros,
        conn: u32,
        peer: String,
        /// Who closed it, when the input shows it.
        by: Option<Side>,
        how: CloseHow,
        place: Place,
    },
    Stopped {
        at_us: Micros,
        how: StopHow,
        place: Place,
    },
    /// "Asterisk Ready." (`started_us`: its banner line).
    Booted {
        at_us: Micros,
        started_us: Micros,
        version: Option<String>,
        place: Place,
    },
    /// A qualify status change as `pjsip_options.c` logged it.
    Qualify {
        at_us: Micros,
        aor: String,
        uri: String,
        status: QualifyStatus,
        rtt_ms: Option<f64>,
        place: Place,
    },
    /// A registrar line (Added/Removed contact, max contacts warnings, …).
    Log {
        at_us: Micros,
        text: String,
        place: Place,
    },
}

impl ServerEvent {
    pub fn at_us(&self) -> Micros {
        match self {
            ServerEvent::ConnectionClosed { at_us, .. }
            | ServerEvent::Stopped { at_us, .. }
            | ServerEvent::Booted { at_us, .. }
            | ServerEvent::Qualify { at_us, .. }
            | ServerEvent::Log { at_us, .. } => *at_us,
        }
    }
}

/// What the given input cannot tell (the page shows each one; nothing is guessed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlindSpot {
    /// Bindings stored before the input begins (astdb survives restarts).
    EarlierBindings,
    /// pcap: Asterisk restarts are not on the wire.
    Restarts,
    /// pcap: nothing Asterisk logged (its reasons, qualify verdicts).
    LogLines,
    /// pcap: a qualify verdict is derived from OPTIONS and their answers plus the
    /// AOR's qualify_timeout, not read.
    QualifyFromOptions,
    /// log: a TCP close shows only if Asterisk logged a removal because of it.
    ConnectionCloses,
    /// log: the registrar's own address is not logged.
    ServerAddress,
    /// log: the timestamps have whole seconds only.
    SecondResolution,
    /// log: timestamps carry no zone; taken as UTC unless `Date:` headers say otherwise.
    TimeZone,
    /// pcap: some TCP streams were not readable SIP (TLS, or started before the capture).
    UnreadableStreams,
    /// pcap: some IP fragments could not be reassembled (a message bigger than the
    /// path MTU whose fragments are missing or conflicting).
    Fragments,
    /// pcap: bytes missing in a TCP stream (not captured).
    TcpGaps,
    /// log: a block was shorter than the byte count its header announced.
    TruncatedBlocks,
    /// log: registrar lines that only a REGISTER causes, without that REGISTER
    /// logged (the packet logger was off then).
    UnloggedRegisters,
}

impl BlindSpot {
    /// One sentence for people; the page shows it next to the kind.
    pub fn explain(self) -> &'static str {
        match self {
            BlindSpot::EarlierBindings => "bindings stored before the capture began are unknown; a 200 OK that lists them is the only trace",
            BlindSpot::Restarts => "a packet capture cannot show an Asterisk restart (it is in the log); the server closing every TCP connection at once may be one",
            BlindSpot::LogLines => "a packet capture cannot show what Asterisk logged: why a binding was removed, qualify verdicts, warnings",
            BlindSpot::QualifyFromOptions => "qualify verdicts are taken from the captured OPTIONS and their answers, timed with the AOR's qualify_timeout from pjsip.conf",
            BlindSpot::ConnectionCloses => "a log shows a TCP connection closing only when Asterisk removed a binding because of it; other closes are invisible",
            BlindSpot::ServerAddress => "the log does not say on which address Asterisk received a message",
            BlindSpot::SecondResolution => "the log's timestamps have whole seconds only, so stored expiry times are known to ±1 s",
            BlindSpot::TimeZone => "log timestamps carry no time zone; they are read as UTC unless the responses' Date: headers show an offset",
            BlindSpot::UnreadableStreams => "some TCP streams did not carry readable SIP (TLS, or the stream began before the capture)",
            BlindSpot::Fragments => "some fragmented IP datagrams could not be reassembled (fragments missing or conflicting); their messages are missing",
            BlindSpot::TcpGaps => "bytes are missing in a TCP stream (not captured); messages in the gap are lost",
            BlindSpot::TruncatedBlocks => "some logged messages were shorter than the byte count their header announced",
            BlindSpot::UnloggedRegisters => "the packet logger was off for part of this log: Asterisk logged bindings added, refreshed or removed by REGISTERs that are not in it, so those requests and answers are unknown",
        }
    }
}

/// A problem in the input that did not stop the import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub place: Option<Place>,
    pub message: String,
}

/// What an import found in one input, in time order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    pub input: InputKind,
    pub packets: Vec<SipPacket>,
    pub events: Vec<ServerEvent>,
    /// Sorted, each once.
    pub blind_spots: Vec<BlindSpot>,
    pub warnings: Vec<Warning>,
    /// Release seen in the input (log banner or `Server:`/`User-Agent` header).
    pub asterisk_version: Option<String>,
    /// Log time minus UTC, when `Date:` headers showed one (seconds).
    pub utc_offset_s: Option<i64>,
    /// Lines (log) or packets (pcap) read.
    pub units_read: u64,
}

impl Capture {
    pub(crate) fn new(input: InputKind) -> Capture {
        Capture {
            input,
            packets: Vec::new(),
            events: Vec::new(),
            blind_spots: vec![BlindSpot::EarlierBindings],
            warnings: Vec::new(),
            asterisk_version: None,
            utc_offset_s: None,
            units_read: 0,
        }
    }
    pub(crate) fn blind(&mut self, b: BlindSpot) {
        if !self.blind_spots.contains(&b) {
            self.blind_spots.push(b);
        }
    }
    pub(crate) fn warn(&mut self, place: Option<Place>, message: impl Into<String>) {
        if self.warnings.len() < crate::limits::MAX_WARNINGS {
            self.warnings.push(Warning {
                place,
                message: message.into(),
            });
        }
    }
    /// Stable time order (the readers emit nearly sorted).
    pub(crate) fn finish(&mut self) {
        self.packets.sort_by_key(|p| p.at_us);
        self.events.sort_by_key(|e| e.at_us());
        self.blind_spots.sort();
        self.warn_unreadable_sources();
        if self.asterisk_version.is_none() {
            self.asterisk_version = self
                .packets
                .iter()
                .filter(|p| p.direction == Direction::FromServer)
                .find_map(|p| version_in_header(&p.text));
        }
    }
}

impl Capture {
    /// A REGISTER whose source is not `ip:port` (or `[v6]:port`) is replayed
    /// from 0.0.0.0:0, where `rewrite_contact` and NAT checks go wrong: say so
    /// at the line or packet, never silently.
    fn warn_unreadable_sources(&mut self) {
        let bad: Vec<(Place, String)> = self
            .packets
            .iter()
            .filter(|p| p.direction == Direction::ToServer && p.text.starts_with("REGISTER "))
            .filter(|p| !is_ip_port(&p.peer))
            .map(|p| (p.place, p.peer.clone()))
            .collect();
        for (place, peer) in bad {
            self.warn(
                Some(place),
                format!("REGISTER from '{peer}', which is not an ip:port; the model gets it from 0.0.0.0:0, so its answer may differ (rewrite_contact, NAT)"),
            );
        }
    }
}

/// `192.0.2.1:5060` or `[2001:db8::1]:5060`.
pub fn is_ip_port(s: &str) -> bool {
    s.parse::<std::net::SocketAddr>().is_ok()
}

/// `Server: Asterisk PBX 22.11.0-rc1` (responses) or `User-Agent: Asterisk PBX …` (requests).
fn version_in_header(text: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.eq_ignore_ascii_case("server") || n.eq_ignore_ascii_case("user-agent"))
        .find_map(|(_, v)| v.trim().strip_prefix("Asterisk PBX "))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}
