//! One check per boundary of the release table: for every release where a
//! registrar behaviour starts, the release just before it (the previous minor
//! of that branch) does not show it and the release itself does — observed by
//! running the registrar, not by asking the table. Branches that never got a
//! behaviour do not show it in their latest release.

mod common;
use aorlab_registrar::{Behaviour, Profile, Protocol, BRANCHES, TABLE};
use common::*;

const A: &str = "sip:alice@10.0.0.1:5060";
const B: &str = "sip:alice@10.0.0.2:5060";
const C: &str = "sip:alice@10.0.0.3:5060";

fn pbx(p: Profile, text: &str) -> Pbx {
    Pbx::with_profile(p, text)
}

/// Run the registrar of release `p` on an input that shows `b`, and say whether it did.
fn shows(b: Behaviour, p: Profile) -> bool {
    match b {
        Behaviour::PeriodicExpirySweep => {
            // expired at +5 s: a per-binding timer deletes it at once, the
            // periodic sweep (every 30 s from boot) not yet
            let mut x = pbx(p, &alice("max_contacts=1\nminimum_expiration=5"));
            x.ok(&reg("alice").ce(A, 5));
            let at = x.now + 7_000;
            x.run_until(at);
            !x.stored("alice").is_empty()
        }
        Behaviour::EvictsSoonestExpiring => {
            // three phones, max 2: the new rules keep two, the old ones only the newest
            let mut x = pbx(p, &alice("max_contacts=2\nremove_existing=yes"));
            for u in [A, B, C] {
                x.ok(&reg("alice").c(u));
                x.wait(1);
            }
            x.stored("alice").len() == 2
        }
        Behaviour::TransportMonitor => {
            let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=1\n";
            let mut x = pbx(p, conf);
            x.ok(&reg("alice").c("sip:alice@192.168.1.5:5060").tcp(7));
            let now = x.now;
            x.r.on_connection_closed(now, 7);
            x.stored("alice").is_empty()
        }
        Behaviour::RejectsNonSipUris => {
            let mut x = pbx(p, &alice("max_contacts=2"));
            status(&x.send(&reg("alice").c("tel:+15551234"))) == 416
        }
        Behaviour::QualifiesWholeAor => {
            let mut x = pbx(p, &alice("max_contacts=2\nqualify_frequency=60"));
            x.ok(&reg("alice").c(A));
            x.wait(1);
            x.ok(&reg("alice").c(B)).qualify.len() == 2
        }
        Behaviour::LogsEveryRemovalReason => {
            let mut x = pbx(p, &alice("max_contacts=1\nminimum_expiration=5"));
            x.ok(&reg("alice").ce(A, 5));
            let outs = x.run_until(x.now + 120_000);
            outs.iter().any(|o| has_log(o, "due to expiration"))
        }
        Behaviour::DomainAliasLookup => {
            let conf = "[alice]\ntype=endpoint\naors=alice@example.com\n\
                        [alice@example.com]\ntype=aor\nmax_contacts=1\n\
                        [example.org]\ntype=domain_alias\ndomain=example.com\n";
            let mut x = pbx(p, conf);
            status(&x.send(&reg("alice").to("<sip:alice@example.org>").c(A))) == 200
        }
        Behaviour::SavesOrigHost => {
            let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=1\n";
            let mut x = pbx(p, conf);
            x.ok(&reg("alice")
                .src("203.0.113.7:40001")
                .c("sip:alice@192.168.1.20:5060"));
            x.stored("alice")[0].contains("x-ast-orig-host")
        }
        Behaviour::KeepsResponseContact => {
            let conf = "[transport-udp]\ntype=transport\nprotocol=udp\nexternal_signaling_address=198.51.100.1\n\
                        local_net=10.0.0.0/8\n[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=1\n";
            let mut x = pbx(p, conf);
            let o = x.ok(&reg("alice")
                .src("203.0.113.7:40001")
                .transport("transport-udp")
                .c("sip:alice@203.0.113.7:40001"));
            resp_contacts(&o)[0].contains("203.0.113.7")
        }
        Behaviour::LogsSourceAddress => {
            let mut x = pbx(p, &alice("max_contacts=1"));
            x.ok(&reg("alice").c(A));
            let o = x.expect(&reg("alice").c(B), 403);
            has_log(&o, "'alice' (10.0.0.1:5060) to AOR")
        }
        Behaviour::RemoveUnavailable => {
            let mut x = pbx(p, &alice("max_contacts=1\nremove_unavailable=yes"));
            status(&x.send(&reg("alice").c(A))) == 200
        }
        Behaviour::WebsocketOrigHost => {
            let mut x = pbx(p, &alice("max_contacts=1"));
            x.ok(&reg("alice")
                .src("198.51.100.4:53211")
                .proto(Protocol::Wss, Some(1))
                .c("sip:u@abc.invalid;transport=ws"));
            x.stored("alice")[0].contains("x-ast-orig-host")
        }
        Behaviour::Qualify2xxOnly => {
            let mut x = pbx(p, &alice("max_contacts=1\nqualify_2xx_only=yes"));
            status(&x.send(&reg("alice").c(A))) == 200
        }
        Behaviour::SortsRetrievedContacts => {
            // one REGISTER adds three bindings, written in descending id order
            let mut uris = [A, B, C];
            uris.sort_by_key(|u| std::cmp::Reverse(aorlab_registrar::dynamic_id("alice", u)));
            let mut x = pbx(p, &alice("max_contacts=3"));
            let o = x.ok(&reg("alice").c(uris[0]).c(uris[1]).c(uris[2]));
            let listed: Vec<String> = resp_contacts(&o)
                .iter()
                .map(|c| c[1..c.find('>').unwrap()].to_string())
                .collect();
            let mut by_id = listed.clone();
            by_id.sort_by_key(|u| aorlab_registrar::dynamic_id("alice", u));
            assert_ne!(by_id, uris.to_vec(), "the probe must tell the orders apart");
            listed == by_id
        }
        Behaviour::AorFromToFirst => {
            let conf = "[alice]\ntype=endpoint\naors=alice\nidentify_by=ip\n[alice]\ntype=aor\nmax_contacts=1\n";
            let mut x = pbx(p, conf);
            status(&x.send(&reg("alice").c(A))) == 200
        }
        Behaviour::CountsUnidentifiedRequests => {
            let conf = format!(
                "[global]\ntype=global\nendpoint_identifier_order=username,auth_username\n{}",
                alice("")
            );
            let mut x = pbx(p, &conf);
            let o = x.expect(&reg("mallory").c(A), 401);
            !has_log(&o, "No matching endpoint found")
        }
        Behaviour::BracketsIpv6Source => {
            let mut x = pbx(p, &alice(""));
            let o = x.expect(&reg("mallory").c(A).src("[2001:db8::7]:5070"), 401);
            has_log(&o, "'[2001:db8::7]:5070'")
        }
    }
}

#[test]
fn every_boundary_release_before_lacks_it_and_the_release_at_it_has_it() {
    let mut boundaries = 0;
    for since in TABLE {
        let b = since.behaviour;
        for &(major, minor, patch, commit) in since.first {
            let at = Profile::new(major, minor, patch);
            assert!(shows(b, at), "{b:?} missing in {at} ({commit})");
            if minor > 0 {
                let before = Profile::new(major, minor - 1, 0);
                assert!(!shows(b, before), "{b:?} already in {before}, before {at}");
                boundaries += 1;
            }
        }
        // a branch that never got it lacks it in its latest release
        for latest in BRANCHES {
            if !since.first.iter().any(|f| f.0 == latest.major) {
                assert!(!shows(b, *latest), "{b:?} in {latest}, not in the table");
            }
        }
    }
    assert!(boundaries >= 30, "only {boundaries} boundaries");
}

#[test]
fn the_releases_people_name_work() {
    for v in ["20.15.2", "18.20", "18", "22", "13.17", "17.1"] {
        assert!(Profile::parse(v).is_ok(), "{v}");
    }
    // 20.15.2 is before the sort, 20 (latest) after it
    assert!(!shows(
        Behaviour::SortsRetrievedContacts,
        Profile::parse("20.15.2").unwrap()
    ));
    assert!(shows(
        Behaviour::SortsRetrievedContacts,
        Profile::parse("20").unwrap()
    ));
    // 18 never sorted
    assert!(!shows(
        Behaviour::SortsRetrievedContacts,
        Profile::parse("18").unwrap()
    ));
}

#[test]
fn a_negative_count_is_over_any_max() {
    // max_contacts=1, remove_existing=no, A registered: removing A twice in one
    // REGISTER counts 1 − 2 = −1, which the unsigned comparison sees as huge → 403.
    let mut x = Pbx::new(&alice("max_contacts=1"));
    x.ok(&reg("alice").c(A));
    let o = x.expect(&reg("alice").ce(A, 0).ce(A, 0), 403);
    assert!(has_log(&o, "will exceed max contacts of 1"));
    assert_eq!(x.stored("alice"), [A]);
    // one removal is fine
    x.ok(&reg("alice").ce(A, 0));
    assert!(x.stored("alice").is_empty());
}
