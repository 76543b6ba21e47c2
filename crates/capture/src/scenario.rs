//! A scenario file (`.aorlab`) of a capture: its pjsip.conf, one device per
//! captured device at the address Asterisk saw, and an `at` line for each
//! captured REGISTER, address change, TCP close by a device and restart.
//!
//! An approximation, said in the file's header: simulated devices build their
//! own REGISTERs and refresh on their own; a device mode that sends exactly the
//! recorded requests is not in the scenario language yet.

use crate::evidence::{Capture, ServerEvent, Side, StopHow};
use crate::story::{AddressChange, Story};

fn secs(us: u64, t0: u64) -> String {
    format!("{}ms", us.saturating_sub(t0) / 1000)
}

fn name_ok(n: &str) -> String {
    n.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Without the site's pjsip.conf: a labelled stub per AOR, to be edited.
fn stub_conf(story: &Story) -> String {
    let mut aors: Vec<&str> = story.devices.iter().map(|d| d.aor.as_str()).collect();
    aors.sort();
    aors.dedup();
    let mut s = String::from("; NOT FROM THE SITE: the capture cannot show these settings. Edit them to the server's values.\n");
    for a in aors {
        s.push_str(&format!(
            "[{a}]\ntype = endpoint\naors = {a}\n\n[{a}]\ntype = aor\nmax_contacts = 1\n\n"
        ));
    }
    s
}

fn expires_zero(text: &str) -> bool {
    let head: Vec<&str> = text.split("\r\n").take_while(|l| !l.is_empty()).collect();
    head.iter()
        .any(|l| l.to_ascii_lowercase().replace(' ', "") == "expires:0")
        || head
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("contact:") && l.contains(";expires=0"))
}

/// The scenario text.
pub fn scenario_text(cap: &Capture, story: &Story, conf: Option<&str>, release: &str) -> String {
    let t0 = cap.packets.first().map(|p| p.at_us).unwrap_or(0);
    let end = cap.packets.last().map(|p| p.at_us).unwrap_or(t0);
    let major = release.split(['.', ' ']).next().unwrap_or("22");
    let mut s = format!(
        "# Imported with `aorlab import`: {} REGISTERs from {} devices, {} s of capture.\n\
         # Approximation: simulated devices build their own REGISTERs and refresh on\n\
         # their own schedule; the captured requests themselves are not replayed.\n\
         title Imported capture\nasterisk {major}\n\npjsip.conf {{\n{}}}\n\n",
        story.registers.iter().filter(|r| !r.retransmission).count(),
        story.devices.len(),
        (end - t0) / 1_000_000,
        conf.map(|c| format!("{}\n", c.trim_end()))
            .unwrap_or_else(|| stub_conf(story)),
    );
    for d in &story.devices {
        let Some(first) = d.addresses.first() else {
            continue;
        };
        let expires = d
            .registers
            .first()
            .and_then(|&r| story.registers[r].expires.clone())
            .unwrap_or_else(|| "3600".into());
        s.push_str(&format!(
            "device {} {} {} {} expires {}\n",
            name_ok(&d.name),
            d.aor,
            first.transport.as_str(),
            first.peer,
            expires.parse::<u32>().unwrap_or(3600).max(1)
        ));
    }
    s.push('\n');
    let mut lines: Vec<(u64, String)> = Vec::new();
    for d in &story.devices {
        let dev = name_ok(&d.name);
        let mut addr = 0;
        for (k, &ri) in d.registers.iter().enumerate() {
            let r = &story.registers[ri];
            if r.retransmission {
                continue;
            }
            let a = d
                .addresses
                .iter()
                .rposition(|a| a.from_us <= r.at_us)
                .unwrap_or(0);
            let action = if a != addr {
                addr = a;
                match d.addresses[a].change {
                    Some(AddressChange::NewPort) | Some(AddressChange::NewAddress) => {
                        format!("roam {dev} {}", d.addresses[a].peer)
                    }
                    _ => format!("register {dev}"),
                }
            } else if expires_zero(&cap.packets[r.packet].text) {
                format!("unregister {dev}")
            } else if k == 0 {
                format!("register {dev}")
            } else {
                format!("register {dev}   # captured refresh")
            };
            lines.push((r.at_us, action));
        }
    }
    let mut stop: Option<(u64, StopHow)> = None;
    for e in &cap.events {
        match e {
            // A close Asterisk caused itself (a stop) is not a device's `drop`.
            ServerEvent::ConnectionClosed {
                at_us, peer, by, ..
            } if *by != Some(Side::Server) => {
                if let Some(d) = story
                    .devices
                    .iter()
                    .find(|d| d.addresses.iter().any(|a| &a.peer == peer))
                {
                    lines.push((*at_us, format!("drop {}", name_ok(&d.name))));
                }
            }
            ServerEvent::Stopped { at_us, how, .. } => stop = Some((*at_us, *how)),
            ServerEvent::Booted { at_us, .. } => {
                if let Some((from, how)) = stop.take() {
                    let kind = if how == StopHow::Graceful {
                        "graceful"
                    } else {
                        "crash"
                    };
                    lines.push((
                        from,
                        format!("asterisk restart {kind} down {}ms", (at_us - from) / 1000),
                    ));
                }
            }
            _ => {}
        }
    }
    lines.sort_by_key(|l| l.0);
    for (at, l) in lines {
        s.push_str(&format!("at {} {l}\n", secs(at, t0)));
    }
    s.push_str(&format!("until {}\n", secs(end + 60_000_000, t0)));
    s
}
