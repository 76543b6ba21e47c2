//! Test inputs: hand-written Asterisk log blocks (one phone per port on
//! 192.0.2.10, AOR alice at 198.51.100.1) and, in [`pcap`], capture files.
#![allow(dead_code)]

pub mod pcap;

/// One packet-logger block (byte count = the message with CRLF line ends).
pub fn block(time: &str, head: &str, lines: &[String]) -> String {
    let bytes = lines.join("\r\n").len() + 4;
    format!(
        "[2026-11-30 {time}] VERBOSE[1] res_pjsip_logger.c: <--- {} --->\n{}\n\n",
        head.replace('N', &bytes.to_string()),
        lines.join("\n")
    )
}

pub fn register(time: &str, phone: &str, port: u16, cseq: u32) -> String {
    let l = |s: &str| s.to_string();
    block(
        time,
        &format!("Received SIP request (N bytes) from UDP:192.0.2.10:{port}"),
        &[
            l("REGISTER sip:198.51.100.1:5060 SIP/2.0"),
            format!("Via: SIP/2.0/UDP 192.0.2.10:{port};rport;branch=z9hG4bK{phone}{cseq}"),
            format!("From: <sip:alice@198.51.100.1>;tag={phone}"),
            l("To: <sip:alice@198.51.100.1>"),
            format!("Call-ID: {phone}@192.0.2.10"),
            format!("CSeq: {cseq} REGISTER"),
            format!("Contact: <sip:alice@192.0.2.10:{port}>"),
            l("User-Agent: Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc"),
            l("Expires: 60"),
            l("Content-Length: 0"),
        ],
    )
}

pub fn answer(
    time: &str,
    phone: &str,
    port: u16,
    cseq: u32,
    status: &str,
    contacts: &[u16],
) -> String {
    let mut lines = vec![
        format!("SIP/2.0 {status}"),
        format!("Via: SIP/2.0/UDP 192.0.2.10:{port};rport={port};received=192.0.2.10;branch=z9hG4bK{phone}{cseq}"),
        format!("Call-ID: {phone}@192.0.2.10"),
        format!("From: <sip:alice@198.51.100.1>;tag={phone}"),
        "To: <sip:alice@198.51.100.1>;tag=x".to_string(),
        format!("CSeq: {cseq} REGISTER"),
        "Date: Mon, 30 Nov 2026 09:24:45 GMT".to_string(),
    ];
    for p in contacts {
        lines.push(format!("Contact: <sip:alice@192.0.2.10:{p}>;expires=59"));
    }
    if !contacts.is_empty() {
        lines.push("Expires: 60".to_string());
    }
    lines.push("Content-Length:  0".to_string());
    block(
        time,
        &format!("Transmitting SIP response (N bytes) to UDP:192.0.2.10:{port}"),
        &lines,
    )
}
