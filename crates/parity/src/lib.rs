//! The scenarios and the digest both sides use: `SCENARIOS` seeds of `aorlab_gen::from_seed`,
//! each trace's JSON reduced to FNV-1a 64 and its length (no dependency, the same on every
//! target). The native side is `build.rs`; the browser side is `tests/native_equals_wasm.rs`.

/// How many generated scenarios are compared.
pub const SCENARIOS: u64 = 500;

/// FNV-1a 64 of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One line of the digest file: `seed digest length`.
pub fn line(seed: u64, json: &str) -> String {
    format!("{seed} {:016x} {}", fnv1a(json.as_bytes()), json.len())
}
