//! The site the registrar bench and the `refresh_loop` example share: REGISTERs
//! already parsed, and a registrar holding one binding per AOR.
//!
//! Both run on the allocator the CLI ships with (mimalloc, see crates/cli): the
//! figure is the release binary's decisions per second. Until 3 Dec 2026
//! (stop 30) they ran on glibc's malloc; at 10,000 AORs the two measured the
//! same within this machine's noise.

use aorlab_registrar::{parse_pjsip_conf, Addr, Profile, Protocol, Received, Registrar};

#[global_allocator]
static ALLOC: aorlab_alloc::Mimalloc = aorlab_alloc::Mimalloc;

pub const T0: u64 = 1_767_225_600_000;

/// A REGISTER from `user`, its `n`-th phone behind a NAT.
pub fn register(user: &str, n: usize) -> Received {
    let (a, b) = (n / 250 % 250, n % 250);
    let text = format!(
        "REGISTER sip:198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.{a}.{b}:5060;rport;branch=z9hG4bK{n}\r\nFrom: <sip:{user}@198.51.100.10>;tag=t{n}\r\nTo: <sip:{user}@198.51.100.10>\r\nCall-ID: c{n}\r\nCSeq: 1 REGISTER\r\nContact: <sip:{user}@10.0.{a}.{b}:5060>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
    );
    Received::new(
        aorlab_sip::Message::parse(&text).unwrap(),
        Addr::new("203.0.113.7", 20000 + (n % 40000) as u16),
        Protocol::Udp,
        None,
        None,
    )
}

/// `n` phones, each its own endpoint and AOR (max_contacts 2, remove_existing),
/// each registered once; returns the registrar and the refreshes.
pub fn site(n: usize) -> (Registrar, Vec<Received>) {
    let mut conf = String::new();
    for i in 0..n {
        conf.push_str(&format!(
            "[p{i}]\ntype=endpoint\naors=p{i}\nrewrite_contact=yes\n[p{i}]\ntype=aor\nmax_contacts=2\nremove_existing=yes\n"
        ));
    }
    let (cfg, _) = parse_pjsip_conf(&conf);
    let mut r = Registrar::new(Profile::default(), cfg, T0);
    let regs: Vec<Received> = (0..n).map(|i| register(&format!("p{i}"), i)).collect();
    for (i, rx) in regs.iter().enumerate() {
        let out = r.on_register(T0 + i as u64, rx);
        assert_eq!(out.response.map(|m| m.status()), Some(200));
    }
    (r, regs)
}
