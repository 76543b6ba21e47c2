//! Limits of an import, checked and reported (never crashed into).

/// Largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// Most packets read from a pcap/pcapng file.
pub const MAX_PACKETS: u64 = 500_000;
/// Most SIP messages kept from one input.
pub const MAX_MESSAGES: usize = 100_000;
/// Largest SIP message (header + body); a UDP datagram cannot be larger.
pub const MAX_MESSAGE_BYTES: usize = 65_535;
/// Bytes buffered for out-of-order TCP segments per stream direction.
pub const MAX_TCP_PENDING: usize = 1024 * 1024;
/// Warnings kept (the rest are counted in the last one).
pub const MAX_WARNINGS: usize = 200;

/// The limits in one sentence, for messages and docs.
pub fn describe() -> String {
    format!(
        "at most {} MiB of input, {MAX_PACKETS} packets, {MAX_MESSAGES} SIP messages, {MAX_MESSAGE_BYTES} bytes per message",
        MAX_INPUT_BYTES / (1024 * 1024)
    )
}
