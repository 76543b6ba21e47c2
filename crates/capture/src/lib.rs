//! Evidence → captured SIP exchanges. An Asterisk log with the pjsip packet
//! logger, or a pcap/pcapng file, becomes a [`Capture`]: every SIP message at
//! the registrar with its time, transport, addresses and TCP connection, the
//! server's own events (closes, stops, boots, logged qualify verdicts), and the
//! [`BlindSpot`]s — what this kind of input cannot show. Nothing is guessed.
//!
//! [`story`] pairs requests with answers and recognises devices; [`check`]
//! holds the registrar model against the captured answers; [`whatif`] replays
//! the captured REGISTERs with changed settings.

pub mod anonymise;
mod asterisk_log;
pub mod check;
mod error;
mod evidence;
mod framing;
pub mod limits;
mod log_time;
mod pcap;
pub mod registered;
pub mod report;
pub mod scenario;
pub mod story;
mod tcp;
pub mod whatif;

pub use asterisk_log::read_log;
pub use error::ImportError;
pub use evidence::*;
pub use log_time::days_from_civil;
pub use pcap::read_pcap;

/// Read any supported input, recognised by its first bytes.
pub fn read(bytes: &[u8]) -> Result<Capture, ImportError> {
    if bytes.len() > limits::MAX_INPUT_BYTES {
        return Err(ImportError::new(format!(
            "the input has {} MiB; the limit is {} MiB",
            bytes.len() / (1024 * 1024),
            limits::MAX_INPUT_BYTES / (1024 * 1024)
        ))
        .hint("cut it to the time of interest (editcap -A/-B for captures, sed for logs)"));
    }
    let magic = bytes.get(..4).unwrap_or(&[]);
    let is_pcap = matches!(
        magic,
        [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d]
            | [0x0a, 0x0d, 0x0d, 0x0a]
    );
    if is_pcap {
        return read_pcap(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => read_log(text),
        Err(e) if e.valid_up_to() > 0 && bytes.len() - e.valid_up_to() < 4 => {
            // A text cut in the middle of a character.
            read_log(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""))
        }
        Err(_) => Err(ImportError::new("neither a pcap/pcapng file nor a text log")
            .hint("give an Asterisk `full` log with the pjsip logger on, or a capture saved as pcap/pcapng")),
    }
}
