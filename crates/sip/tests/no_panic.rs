//! Fuzz-style robustness test: random bytes and mutations of valid messages are fed
//! to `Message::parse`, every header accessor, `Uri::parse` and the printers. No
//! input may panic (and a parsed message must print, parse back and print the same:
//! `aorlab_sip::exercise`, shared with the fuzz target); a panic is reported with the exact
//! input that caused it.
//!
//! Deterministic (fixed-seed xorshift RNG, no extra dependencies) and bounded in
//! time: each test stops after its case budget or ~1 s, whichever comes first
//! (`AORLAB_FUZZ_SECS=N` for a longer, unlimited run).

use aorlab_sip::{exercise, exercise_fragment, Message};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const REGISTER: &str = "REGISTER sip:[2001:db8::10]:5060;transport=tcp SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK776asdhds\r\n\
Via: SIP/2.0/TCP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3\r\n\
Max-Forwards: 70\r\n\
To: \"Bob \\\"B\\\"\" <sip:bob@example.com>\r\n\
From: Bob <sip:bob@example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:b%6Fb@192.0.2.4:5062;transport=udp;x-ast-orig-host=10.0.0.5:5060?Route=%3Csip:p%3E>;expires=7200;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1,\r\n \
 sip:bob@[2001:db8::1];q=0.5, \"Desk, 1\" <sips:bob:pw@host.example.com;lr;maddr=[::1];ttl=5>\r\n\
m: *\r\n\
Expires: 7200\r\n\
Supported: path, outbound\r\n\
Path: <sip:p1.example.com;lr>\r\n\
User-Agent: Zoiper rv2.10 — ünïcödé\r\n\
Content-Length: 0\r\n\r\n";

const OK200: &str = "SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;rport=5060;received=192.0.2.1;branch=z9hG4bK776asdhds\r\n\
To: <sip:bob@example.com>;tag=2493k59kd\r\n\
From: <sip:bob@example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4:5062;transport=udp>;expires=3599\r\n\
Contact: <sip:bob@[2001:db8::1]>;expires=10\r\n\
Date: Tue, 05 Mar 2024 10:00:00 GMT\r\n\
Expires: 3600\r\n\
Content-Length: 0\r\n\r\n";

const OPTIONS: &str = "OPTIONS sip:bob@192.0.2.4:5062 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKPj1\r\n\
From: <sip:asterisk@192.0.2.10>;tag=1\r\n\
To: <sip:bob@192.0.2.4:5062>\r\n\
Contact: <sip:asterisk@192.0.2.10:5060>\r\n\
Call-ID: c1\r\n\
CSeq: 1 OPTIONS\r\n\
Max-Forwards: 70\r\n\
Content-Type: text/plain\r\n\
Content-Length: 7\r\n\r\nhello\r\nEXTRA";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Bytes that are interesting to SIP parsers, plus multibyte UTF-8 pieces.
const SPECIAL: &[&[u8]] = &[
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n ",
    b" ",
    b"\t",
    b";",
    b",",
    b":",
    b"<",
    b">",
    b"\"",
    b"\\",
    b"%",
    b"%4",
    b"%zz",
    b"%00",
    b"[",
    b"]",
    b"@",
    b"?",
    b"&",
    b"=",
    b"*",
    b"/",
    b"(",
    b")",
    b"sip:",
    b"sips:",
    b"tel:",
    b";lr",
    b";ttl=",
    b";expires=",
    b";rport",
    b"\0",
    "é".as_bytes(),
    "大".as_bytes(),
    "😀".as_bytes(),
    b"\xff",
    b"\xc3",
    b"\xe5\xa4",
];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(6) {
        let len = v.len();
        match rng.below(8) {
            0 if len > 0 => {
                // flip a bit
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                // truncate
                v.truncate(rng.below(len));
            }
            2 if len > 0 => {
                // duplicate a slice
                let a = rng.below(len);
                let b = (a + 1 + rng.below(40)).min(len);
                let chunk = v[a..b].to_vec();
                let at = rng.below(v.len() + 1);
                v.splice(at..at, chunk);
            }
            3 | 4 => {
                // insert a special piece
                let at = rng.below(len + 1);
                let piece = rng.pick(SPECIAL).to_vec();
                v.splice(at..at, piece);
            }
            5 if len > 0 => {
                // delete a slice
                let a = rng.below(len);
                let b = (a + 1 + rng.below(20)).min(len);
                v.drain(a..b);
            }
            6 if len > 0 => {
                // replace a byte with a random one
                let i = rng.below(len);
                v[i] = rng.next() as u8;
            }
            _ => {
                // overwrite a byte with a special piece's first byte
                if len > 0 {
                    let i = rng.below(len);
                    v[i] = rng.pick(SPECIAL)[0];
                }
            }
        }
    }
    v
}

fn check(input: &[u8]) {
    let text = String::from_utf8_lossy(input).into_owned();
    let r = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(m) = Message::parse(&text) {
            exercise(&m);
        }
        exercise_fragment(&text);
        // also every line on its own, as a header value
        for line in text.split("\r\n") {
            if let Some((_, v)) = line.split_once(':') {
                exercise_fragment(v.trim());
            }
        }
    }));
    if r.is_err() {
        panic!("panic on input (lossy UTF-8): {text:?}\nbytes: {input:?}");
    }
}

fn run(seed: u64, cases: usize, mut gen: impl FnMut(&mut Rng) -> Vec<u8>) -> usize {
    // AORLAB_FUZZ_SECS=60 runs each fuzzer longer (and without the case limit).
    let (budget, cases) = match std::env::var("AORLAB_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        Some(secs) => (Duration::from_secs_f64(secs), usize::MAX),
        None => (Duration::from_millis(1000), cases),
    };
    let mut rng = Rng(seed);
    let start = Instant::now();
    let mut n = 0;
    let mut parsed = 0;
    while n < cases && start.elapsed() < budget {
        let input = gen(&mut rng);
        check(&input);
        if Message::parse(&String::from_utf8_lossy(&input)).is_ok() {
            parsed += 1;
        }
        n += 1;
    }
    eprintln!("seed {seed:#x}: {n} cases, {parsed} parsed as messages");
    n
}

#[test]
fn valid_messages_and_their_round_trips_do_not_panic() {
    for m in [REGISTER, OK200, OPTIONS] {
        check(m.as_bytes());
        let parsed = Message::parse(m).unwrap_or_else(|e| panic!("base message must parse: {e}"));
        let again = Message::parse(&parsed.to_text()).unwrap();
        assert_eq!(again.to_text(), parsed.to_text());
    }
}

#[test]
fn mutated_messages_do_not_panic() {
    let bases = [REGISTER.as_bytes(), OK200.as_bytes(), OPTIONS.as_bytes()];
    let n = run(0x5eed_0001, 40_000, |rng| {
        let base = rng.pick(&bases);
        mutate(rng, base)
    });
    assert!(n > 200, "only {n} cases ran");
}

/// The RFC 4475 / 5118 torture messages, mutated.
#[test]
fn mutated_torture_messages_do_not_panic() {
    let mut bases: Vec<Vec<u8>> = Vec::new();
    for dir in ["rfc4475", "rfc5118"] {
        let path = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(path).unwrap() {
            bases.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    bases.sort();
    for b in &bases {
        check(b);
    }
    let n = run(0x5eed_0004, 40_000, |rng| {
        let i = rng.below(bases.len());
        mutate(rng, &bases[i])
    });
    assert!(n > 200, "only {n} cases ran");
}

#[test]
fn random_bytes_do_not_panic() {
    let n = run(0x5eed_0002, 40_000, |rng| {
        let len = rng.below(300);
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            if rng.below(3) == 0 {
                let piece = rng.pick(SPECIAL);
                v.extend_from_slice(piece);
            } else {
                // mostly printable ASCII, sometimes anything
                let b = if rng.below(8) == 0 {
                    rng.next() as u8
                } else {
                    0x20 + rng.below(95) as u8
                };
                v.push(b);
            }
        }
        v
    });
    assert!(n > 200, "only {n} cases ran");
}

#[test]
fn random_uri_like_strings_do_not_panic() {
    let pieces: &[&str] = &[
        "sip:",
        "sips:",
        "tel:",
        "user",
        "u%20",
        "%",
        "%4",
        "@",
        ":",
        "pw",
        "[",
        "]",
        "2001:db8::1",
        "::ffff:1.2.3.4",
        "1.2.3.4",
        "host.example.com",
        ":5060",
        ":99999",
        ";",
        "transport=tcp",
        "lr",
        "ttl=",
        "ttl=300",
        "maddr=",
        "=",
        "?",
        "&",
        "h=v",
        "é",
        "大",
        " ",
        "<",
        ">",
        "\"",
        ",",
        "*",
        "\\",
        "%25",
        "#",
    ];
    let n = run(0x5eed_0003, 60_000, |rng| {
        let k = 1 + rng.below(12);
        let mut s = String::new();
        for _ in 0..k {
            let piece = rng.pick(pieces);
            s.push_str(piece);
        }
        s.into_bytes()
    });
    assert!(n > 200, "only {n} cases ran");
}

/// Inputs that once panicked or are easy to get wrong.
#[test]
fn known_tricky_inputs() {
    for s in [
        "",
        "\r\n\r\n",
        "SIP/2.0",
        "SIP/2.0 ",
        "SIP/",
        "SIPé",
        "REGISTER",
        "REGISTER sip:é SIP/2.0\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nTo: \"\\é\" <sip:a@b>\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContact: <sip:a@b>;x=\"\\é\"\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 1\r\n\r\né",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP /",
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.",
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP [",
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:",
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h (comment",
        "OPTIONS sip:a@b SIP/2.0\r\nContact: é<sip:a@b>\r\n\r\n",
        "OPTIONS sip:a@b SIP/2.0\r\nContact: <\r\n\r\n",
        "OPTIONS sip:a@b SIP/2.0\r\nContact: sip:[é\r\n\r\n",
        "OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 é\r\n\r\n",
        "sip:[fe80::1%25é]",
        "sip:a@h;ttl=é",
        "sip:a@h?é",
    ] {
        check(s.as_bytes());
    }
}
