//! The captured story: every REGISTER with the answer Asterisk gave, the devices
//! that sent them (by `+sip.instance`, else Call-ID: a new source port of the
//! same device is a NAT rebinding, a new address a move), and the OPTIONS
//! Asterisk sent with whether they were answered.

use crate::evidence::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One REGISTER Asterisk received, and what it answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Register {
    /// Index into `Capture::packets`.
    pub packet: usize,
    pub at_us: Micros,
    /// Index into `Story::devices`.
    pub device: usize,
    pub transport: Transport,
    pub peer: String,
    pub conn: Option<u32>,
    /// The user part of the To URI.
    pub aor: String,
    pub call_id: String,
    pub cseq: u32,
    /// Contact header values as sent.
    pub contacts: Vec<String>,
    pub expires: Option<String>,
    /// The same transaction seen again (UDP retransmission): not a new request.
    pub retransmission: bool,
    /// Index into `Capture::packets` of the final response, if captured.
    pub answer: Option<usize>,
    pub status: Option<u16>,
    pub reason: Option<String>,
}

/// A source address a device used, from a time on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressUse {
    pub peer: String,
    pub transport: Transport,
    pub from_us: Micros,
    /// Why it changed from the previous one.
    pub change: Option<AddressChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressChange {
    /// Same IP, new port: a NAT gave a new mapping (or the phone a new socket).
    NewPort,
    /// A new IP: the phone moved, or its NAT has a new public address.
    NewAddress,
    /// Same address, another transport or a new TCP connection.
    NewConnection,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    /// `aor-1`, `aor-2`, … in order of first REGISTER.
    pub name: String,
    pub aor: String,
    pub instance: Option<String>,
    pub call_ids: Vec<String>,
    pub user_agent: Option<String>,
    pub addresses: Vec<AddressUse>,
    /// Indexes into `Story::registers`.
    pub registers: Vec<usize>,
}

/// An OPTIONS Asterisk sent (qualify), and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    pub at_us: Micros,
    pub request_uri: String,
    pub peer: String,
    pub answered_us: Option<Micros>,
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Story {
    pub registers: Vec<Register>,
    pub devices: Vec<Device>,
    pub probes: Vec<Probe>,
}

/// A header's value (first occurrence), long or compact name.
pub fn header<'a>(text: &'a str, long: &'a str, compact: &'a str) -> Option<&'a str> {
    headers(text, long, compact).next()
}

fn headers<'a>(
    text: &'a str,
    long: &'a str,
    compact: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    text.split("\r\n")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(move |(n, _)| {
            let n = n.trim();
            n.eq_ignore_ascii_case(long) || (!compact.is_empty() && n.eq_ignore_ascii_case(compact))
        })
        .map(|(_, v)| v.trim())
}

fn cseq(text: &str) -> Option<(u32, String)> {
    let v = header(text, "CSeq", "")?;
    let (n, m) = v.split_once(char::is_whitespace)?;
    Some((n.parse().ok()?, m.trim().to_string()))
}

fn branch(text: &str) -> Option<&str> {
    let via = header(text, "Via", "v")?;
    via.split(';')
        .find_map(|p| p.trim().strip_prefix("branch="))
}

/// The user of the To URI (`sip:alice@host` → `alice`).
fn to_user(text: &str) -> String {
    let to = header(text, "To", "t").unwrap_or("");
    let uri = to.split_once('<').map(|x| x.1).unwrap_or(to);
    let uri = uri.split(['>', ';']).next().unwrap_or("");
    let rest = uri.split_once(':').map(|x| x.1).unwrap_or(uri);
    rest.split_once('@').map(|x| x.0).unwrap_or("").to_string()
}

fn instance(contacts: &[String]) -> Option<String> {
    contacts.iter().find_map(|c| {
        let i = c.find("+sip.instance=")?;
        let v = c[i + 14..].split([';', ',']).next()?;
        Some(v.trim_matches('"').to_string())
    })
}

fn status_line(text: &str) -> Option<(u16, String)> {
    let line = text.split("\r\n").next()?;
    let rest = line.strip_prefix("SIP/2.0 ")?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((code.parse().ok()?, reason.to_string()))
}

fn request_uri(text: &str) -> String {
    text.split("\r\n")
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_string()
}

/// Build the story of a capture.
pub fn story(cap: &Capture) -> Story {
    let mut st = Story::default();
    let mut device_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_aor: BTreeMap<String, usize> = BTreeMap::new();
    // Open transactions: (call-id, cseq, method) → register or probe index.
    let mut open_reg: BTreeMap<(String, u32), usize> = BTreeMap::new();
    let mut seen_branch: BTreeMap<(String, u32, String), usize> = BTreeMap::new();
    let mut open_probe: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for (i, p) in cap.packets.iter().enumerate() {
        let Some(call_id) = header(&p.text, "Call-ID", "i").map(str::to_string) else {
            continue;
        };
        let Some((n, method)) = cseq(&p.text) else {
            continue;
        };
        let key = (call_id.clone(), n);
        match (p.direction, status_line(&p.text)) {
            (Direction::ToServer, None)
                if method == "REGISTER" && p.text.starts_with("REGISTER ") =>
            {
                let br = branch(&p.text).unwrap_or("").to_string();
                if let Some(&first) = seen_branch.get(&(call_id.clone(), n, br.clone())) {
                    let mut r = st.registers[first].clone();
                    r.packet = i;
                    r.at_us = p.at_us;
                    r.retransmission = true;
                    r.answer = None;
                    r.status = None;
                    r.reason = None;
                    st.registers.push(r);
                    continue;
                }
                let contacts: Vec<String> = headers(&p.text, "Contact", "m")
                    .map(str::to_string)
                    .collect();
                let aor = to_user(&p.text);
                let dkey = instance(&contacts).unwrap_or_else(|| format!("call-id {call_id}"));
                let d = *device_of.entry(dkey).or_insert_with(|| {
                    let k = per_aor.entry(aor.clone()).or_insert(0);
                    *k += 1;
                    st.devices.push(Device {
                        name: format!("{}-{k}", if aor.is_empty() { "device" } else { &aor }),
                        aor: aor.clone(),
                        instance: instance(&contacts),
                        call_ids: Vec::new(),
                        user_agent: header(&p.text, "User-Agent", "").map(str::to_string),
                        addresses: Vec::new(),
                        registers: Vec::new(),
                    });
                    st.devices.len() - 1
                });
                let dev = &mut st.devices[d];
                if !dev.call_ids.contains(&call_id) {
                    dev.call_ids.push(call_id.clone());
                }
                let change = match dev.addresses.last() {
                    None => None,
                    Some(a) if a.peer == p.peer && a.transport == p.transport => None,
                    Some(a) => Some(address_change(&a.peer, &p.peer)),
                };
                if dev.addresses.is_empty() || change.is_some() {
                    dev.addresses.push(AddressUse {
                        peer: p.peer.clone(),
                        transport: p.transport,
                        from_us: p.at_us,
                        change,
                    });
                }
                dev.registers.push(st.registers.len());
                seen_branch.insert((call_id.clone(), n, br), st.registers.len());
                open_reg.insert(key, st.registers.len());
                st.registers.push(Register {
                    packet: i,
                    at_us: p.at_us,
                    device: d,
                    transport: p.transport,
                    peer: p.peer.clone(),
                    conn: p.conn,
                    aor,
                    call_id,
                    cseq: n,
                    contacts,
                    expires: header(&p.text, "Expires", "").map(str::to_string),
                    retransmission: false,
                    answer: None,
                    status: None,
                    reason: None,
                });
            }
            (Direction::FromServer, Some((code, reason)))
                if method == "REGISTER" && code >= 200 =>
            {
                if let Some(r) = open_reg.remove(&key) {
                    let r = &mut st.registers[r];
                    r.answer = Some(i);
                    r.status = Some(code);
                    r.reason = Some(reason);
                }
            }
            (Direction::FromServer, None) if method == "OPTIONS" => {
                if open_probe.contains_key(&key) {
                    continue; // retransmission
                }
                open_probe.insert(key, st.probes.len());
                st.probes.push(Probe {
                    at_us: p.at_us,
                    request_uri: request_uri(&p.text),
                    peer: p.peer.clone(),
                    answered_us: None,
                    status: None,
                });
            }
            (Direction::ToServer, Some((code, _))) if method == "OPTIONS" && code >= 200 => {
                if let Some(&k) = open_probe.get(&key) {
                    let pr = &mut st.probes[k];
                    if pr.answered_us.is_none() {
                        pr.answered_us = Some(p.at_us);
                        pr.status = Some(code);
                    }
                }
            }
            _ => {}
        }
    }
    st
}

fn address_change(from: &str, to: &str) -> AddressChange {
    let ip = |a: &str| {
        a.rsplit_once(':')
            .map(|x| x.0.to_string())
            .unwrap_or_default()
    };
    if from == to {
        AddressChange::NewConnection
    } else if ip(from) == ip(to) {
        AddressChange::NewPort
    } else {
        AddressChange::NewAddress
    }
}
