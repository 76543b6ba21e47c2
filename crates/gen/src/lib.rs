//! Random scenarios that look like what people write: a pjsip.conf with a few AORs, phones
//! (some behind NAT boxes, on every transport), and a timeline that registers, drops, roams,
//! reboots and restarts. Sized so one run stays well under a second natively in debug.
//!
//! The generator reads its choices from an [`Unstructured`], so the same code serves the
//! fuzzer (bytes from libFuzzer), proptest (a byte vector) and [`from_seed`] (bytes from a
//! fixed xorshift stream, the same on every target, used by the native = wasm check).

use aorlab_registrar::Profile;
use arbitrary::Result;
pub use arbitrary::Unstructured;
use std::fmt::Write;
use std::sync::OnceLock;

/// How big a generated world may get (keeps a run well under the fuzzer's 1 s per input).
pub const MAX_AORS: usize = 4;
pub const MAX_DEVICES: usize = 8;
pub const MAX_EVENTS: usize = 24;

/// The bounds of one generated world: how many AORs, phones and timeline events at most, the
/// longest gap between two events and the longest quiet time after the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub aors: usize,
    pub devices: usize,
    pub events: usize,
    pub gap_s: u32,
    pub tail_s: u32,
}

impl Size {
    /// What [`scenario`] generates: up to [`MAX_AORS`], [`MAX_DEVICES`], [`MAX_EVENTS`], ten
    /// minutes between events and an hour after the last.
    pub const FULL: Size = Size {
        aors: MAX_AORS,
        devices: MAX_DEVICES,
        events: MAX_EVENTS,
        gap_s: 600,
        tail_s: 3600,
    };
    /// A short world (two AORs, two phones, four events, two minutes after the last): the
    /// same kinds of choices at a twentieth of the records, for the `pipeline` fuzz target's
    /// executions per second.
    pub const SMALL: Size = Size {
        aors: 2,
        devices: 2,
        events: 4,
        gap_s: 60,
        tail_s: 120,
    };
}

/// The releases a scenario may name: the registrar's list of every release where its
/// behaviour changes and each branch's latest (issue 11: one list of Asterisk versions), so a
/// milestone added there is generated here too. Built once; the order is the registrar's
/// (ascending), so a seed still gives the same text everywhere.
fn releases() -> &'static [String] {
    static RELEASES: OnceLock<Vec<String>> = OnceLock::new();
    RELEASES.get_or_init(|| {
        Profile::milestones()
            .into_iter()
            .map(|m| m.version)
            .collect()
    })
}
const TRANSPORTS: &[&str] = &["udp", "udp", "tcp", "tls", "ws", "wss"];

/// A scenario for `seed`: the same text on every platform (the byte stream is explicit).
pub fn from_seed(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect();
    scenario(&mut Unstructured::new(&bytes)).expect("the generator never fails on bytes")
}

/// One fuzz input in this many (by its last byte) stands for a [`Size::FULL`] world.
pub const FULL_EVERY: u8 = 32;

/// The size the `pipeline` fuzz target (and the `scenario` example) gives the world of an
/// input: [`Size::FULL`] when its last byte is a multiple of [`FULL_EVERY`], else
/// [`Size::SMALL`].
pub fn fuzz_size(data: &[u8]) -> Size {
    match data.last() {
        Some(b) if b % FULL_EVERY == 0 => Size::FULL,
        _ => Size::SMALL,
    }
}

/// A scenario from the choices in `u` (running out of bytes just picks the smallest options).
pub fn scenario(u: &mut Unstructured) -> Result<String> {
    scenario_sized(u, Size::FULL)
}

/// A scenario from the choices in `u`, within `size`.
pub fn scenario_sized(u: &mut Unstructured, size: Size) -> Result<String> {
    let mut s = String::new();
    let version = &releases()[u.choose_index(releases().len())?];
    writeln!(s, "asterisk {version}").ok();
    writeln!(s, "seed {}", u.int_in_range(0..=99u32)?).ok();
    let aors = u.int_in_range(1..=size.aors.max(1))?;
    pjsip_conf(u, &mut s, aors, "pjsip.conf {")?;
    let nats = u.int_in_range(0..=2usize)?;
    for n in 0..nats {
        write!(s, "nat nat{n} public 203.0.113.{}", 7 + n).ok();
        if u.ratio(1, 2)? {
            write!(s, " udp-timeout {}s", u.int_in_range(20..=300u32)?).ok();
        }
        s.push('\n');
    }
    let devices = u.int_in_range(1..=size.devices.max(1))?;
    for d in 0..devices {
        device(u, &mut s, d, aors, nats)?;
    }
    let events = u.int_in_range(0..=size.events)?;
    let mut t = 0u32;
    writeln!(s, "at 0s register {}", names(0..devices)).ok();
    for _ in 0..events {
        t += u.int_in_range(0..=size.gap_s)?;
        event(u, &mut s, t, devices, aors, nats)?;
    }
    writeln!(
        s,
        "until {}s",
        t + u.int_in_range(60..=size.tail_s.max(60))?
    )
    .ok();
    Ok(s)
}

fn pick<'a>(u: &mut Unstructured, from: &[&'a str]) -> Result<&'a str> {
    Ok(from[u.choose_index(from.len())?])
}

fn names(range: std::ops::Range<usize>) -> String {
    range.map(|d| format!("d{d}")).collect::<Vec<_>>().join(" ")
}

fn pjsip_conf(u: &mut Unstructured, s: &mut String, aors: usize, open: &str) -> Result<()> {
    writeln!(s, "{open}").ok();
    for a in 0..aors {
        writeln!(s, "[u{a}]\ntype = endpoint\naors = u{a}").ok();
        if u.ratio(1, 3)? {
            writeln!(s, "rewrite_contact = {}", yes_no(u)?).ok();
        }
        writeln!(s, "\n[u{a}]\ntype = aor").ok();
        writeln!(s, "max_contacts = {}", u.int_in_range(0..=3u32)?).ok();
        if u.ratio(1, 2)? {
            writeln!(s, "remove_existing = {}", yes_no(u)?).ok();
        }
        if u.ratio(1, 4)? {
            writeln!(s, "remove_unavailable = {}", yes_no(u)?).ok();
        }
        if u.ratio(1, 3)? {
            writeln!(s, "qualify_frequency = {}", u.int_in_range(0..=90u32)?).ok();
        }
        if u.ratio(1, 4)? {
            writeln!(s, "minimum_expiration = {}", u.int_in_range(0..=120u32)?).ok();
        }
        if u.ratio(1, 4)? {
            writeln!(s, "maximum_expiration = {}", u.int_in_range(60..=7200u32)?).ok();
        }
        if u.ratio(1, 4)? {
            writeln!(s, "default_expiration = {}", u.int_in_range(30..=3600u32)?).ok();
        }
        s.push('\n');
    }
    writeln!(s, "}}").ok();
    Ok(())
}

fn yes_no(u: &mut Unstructured) -> Result<&'static str> {
    Ok(if u.arbitrary::<bool>()? { "yes" } else { "no" })
}

fn device(u: &mut Unstructured, s: &mut String, d: usize, aors: usize, nats: usize) -> Result<()> {
    let user = u.choose_index(aors)?;
    let transport = pick(u, TRANSPORTS)?;
    write!(s, "device d{d} u{user} {transport} 10.0.0.{}:5060", 10 + d).ok();
    if nats > 0 && u.ratio(1, 2)? {
        write!(s, " behind nat{}", u.choose_index(nats)?).ok();
    }
    if u.ratio(2, 3)? {
        write!(s, " expires {}", u.int_in_range(1..=3600u32)?).ok();
    }
    match u.int_in_range(0..=2u8)? {
        0 => write!(s, " refresh {}%", u.int_in_range(1..=100u32)?).ok(),
        1 => write!(s, " refresh expires-{}s", u.int_in_range(1..=60u32)?).ok(),
        _ => None,
    };
    match u.int_in_range(0..=2u8)? {
        0 => write!(s, " on-403 give-up").ok(),
        1 => write!(
            s,
            " on-403 retry {}s backoff 2",
            u.int_in_range(1..=120u32)?
        )
        .ok(),
        _ => None,
    };
    if u.ratio(1, 3)? {
        write!(s, " on-timeout retry {}s", u.int_in_range(1..=60u32)?).ok();
    }
    if u.ratio(1, 3)? {
        let kind = if u.arbitrary::<bool>()? {
            "crlf"
        } else {
            "options"
        };
        write!(s, " keepalive {kind} {}s", u.int_in_range(1..=120u32)?).ok();
    }
    if u.ratio(1, 4)? {
        write!(s, " answers-options no").ok();
    }
    if u.ratio(1, 4)? {
        write!(s, " contact-params ;ob").ok();
    }
    if u.ratio(1, 4)? {
        write!(s, " rinstance").ok();
    }
    s.push('\n');
    Ok(())
}

fn event(
    u: &mut Unstructured,
    s: &mut String,
    t: u32,
    devices: usize,
    aors: usize,
    nats: usize,
) -> Result<()> {
    let dev = format!("d{}", u.choose_index(devices)?);
    write!(s, "at {t}s ").ok();
    match u.int_in_range(0..=13u8)? {
        0 | 1 => writeln!(s, "register {dev}").ok(),
        2 => writeln!(s, "unregister {dev}").ok(),
        3 => writeln!(s, "unregister-all {dev}").ok(),
        4 => writeln!(s, "reboot {dev}").ok(),
        5 => writeln!(
            s,
            "roam {dev} 10.1.{}.{}:5060",
            u.int_in_range(0..=9u8)?,
            u.int_in_range(1..=250u8)?
        )
        .ok(),
        6 => writeln!(s, "offline {dev}").ok(),
        7 => writeln!(s, "online {dev}").ok(),
        8 => writeln!(s, "drop {dev}").ok(),
        9 if nats > 0 => {
            let n = u.choose_index(nats)?;
            if u.arbitrary::<bool>()? {
                writeln!(s, "nat nat{n} reboot").ok()
            } else {
                writeln!(s, "nat nat{n} rebind {dev}").ok()
            }
        }
        10 => {
            let how = if u.arbitrary::<bool>()? {
                "graceful"
            } else {
                "crash"
            };
            writeln!(
                s,
                "asterisk restart {how} down {}s",
                u.int_in_range(1..=60u32)?
            )
            .ok()
        }
        11 => {
            let aors = u.int_in_range(1..=aors)?;
            return pjsip_conf(u, s, aors, "asterisk reload {");
        }
        _ => writeln!(s, "dial u{}", u.choose_index(aors)?).ok(),
    };
    Ok(())
}
