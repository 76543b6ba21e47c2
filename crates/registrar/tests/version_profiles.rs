//! Reference §11 and §2.14/§3/§4: every behaviour that differs between the
//! version profiles, shown by feeding the same input to two profiles.

mod common;
use aorlab_registrar::{ChangeKind, Profile, Protocol, QualifyResult};
use common::*;

const A: &str = "sip:alice@10.0.0.1:5060";
const B: &str = "sip:alice@10.0.0.2:5060";
const C: &str = "sip:alice@10.0.0.3:5060";

fn rel(v: &str) -> Profile {
    Profile::parse(v).unwrap()
}

fn run(p: Profile, conf: &str, steps: &[Reg]) -> (Pbx, Vec<aorlab_registrar::Outcome>) {
    let mut x = Pbx::with_profile(p, conf);
    let outs = steps.iter().map(|r| x.send(r)).collect();
    (x, outs)
}

#[test]
fn releases_from_versions() {
    assert_eq!(Profile::default(), rel("22.11.0"));
    for (v, p) in [
        ("13.17.2", "13.17.2"),
        ("20.15.2", "20.15.2"),
        ("18.20", "18.20.0"),
        ("18", "18.26.4"),
        ("22", "22.11.0"),
    ] {
        assert_eq!(Profile::from_version(v), Some(rel(p)), "{v}");
    }
    assert_eq!(Profile::from_version("18.27"), None);
    assert_eq!(Profile::from_version("24"), None);
}

#[test]
fn old_remove_existing_wipes_every_other_binding_silently() {
    let conf = alice("max_contacts=3\nremove_existing=yes");
    // A and B from one device, then C from another
    let steps = [
        reg("alice").ce(A, 600).ce(B, 60),
        reg("alice").call_id("other").c(C),
    ];
    let (old, o) = run(rel("13.17.2"), &conf, &steps);
    assert_eq!(old.stored("alice"), [C]);
    let removed = changes(&o[1], ChangeKind::Removed);
    assert_eq!(removed.len(), 2);
    assert!(
        removed.iter().all(|c| c.log.is_none()),
        "silent before 13.18"
    );
    assert_eq!(logs(&o[1]).len(), 1, "only the Added line");
    // 13.18+: 3 ≤ max_contacts, nobody is evicted
    let (new, o) = run(rel("16.6.0"), &conf, &steps);
    assert_eq!(new.stored("alice").len(), 3);
    assert!(changes(&o[1], ChangeKind::Removed).is_empty());
    // and with max 2 only the soonest-expiring goes, with a log line
    let (new, o) = run(
        rel("16.6.0"),
        &alice("max_contacts=2\nremove_existing=yes"),
        &steps,
    );
    assert_eq!(removed_uris(&o[1]), [B]);
    assert!(has_log(&o[1], "due to remove existing"));
    assert_eq!(new.stored("alice").len(), 2);
}

#[test]
fn old_remove_existing_count_ignores_refreshes() {
    // max 1, remove_existing: refresh A and add B in one REGISTER
    let conf = alice("max_contacts=1\nremove_existing=yes");
    let steps = [reg("alice").c(A), reg("alice").c(A).c(B)];
    let (old, o) = run(rel("13.17.2"), &conf, &steps);
    assert_eq!(status(&o[1]), 200, "max(added − deleted, 0) = 1");
    assert_eq!(old.stored("alice").len(), 2);
    let (_, o) = run(rel("16.6.0"), &conf, &steps);
    assert_eq!(status(&o[1]), 403, "max(updated + added − deleted, 0) = 2");
}

fn over_max(p: Profile) -> Pbx {
    let mut x = Pbx::with_profile(p, &alice("max_contacts=3"));
    x.ok(&reg("alice").c(A).c(B).c(C));
    x.reload(&alice("max_contacts=2"));
    x
}

#[test]
fn unregistering_one_when_over_max() {
    // count=3, max=2, a REGISTER deleting one binding
    let r = reg("alice").ce(A, 0);
    assert_eq!(
        status(&over_max(rel("13.17.2")).send(&r)),
        403,
        "max(0 − 1, 0) + 3 = 3"
    );
    assert_eq!(
        status(&over_max(rel("16.6.0")).send(&r)),
        200,
        "3 + 0 − 1 = 2"
    );
    assert_eq!(status(&over_max(rel("22.11.0")).send(&r)), 200);
}

#[test]
fn star_when_over_max() {
    let r = reg("alice").contact("*").expires(0);
    let mut old = over_max(rel("13.17.2"));
    assert_eq!(status(&old.send(&r)), 403, "`*` deletions were not counted");
    assert_eq!(old.stored("alice").len(), 3);
    let mut new = over_max(rel("16.6.0"));
    assert_eq!(status(&new.send(&r)), 200);
    assert!(new.stored("alice").is_empty());
}

#[test]
fn connection_monitor_and_boot_prune_from_13_18() {
    let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=2\n";
    let r = reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060");
    for (p, tied) in [(rel("13.17.2"), false), (rel("16.6.0"), true)] {
        let (mut x, _) = run(p, conf, std::slice::from_ref(&r));
        assert_eq!(x.r.bindings().next().unwrap().prune_on_boot, tied, "{p:?}");
        let closed = x.r.on_connection_closed(x.now, 1);
        assert_eq!(closed.changes.len(), tied as usize, "{p:?}");
        // boot prune, with a fresh binding
        let (mut x, _) = run(p, conf, std::slice::from_ref(&r));
        x.r.on_stop(x.now);
        let boot = x.r.on_start(x.now + 1000);
        assert_eq!(boot.changes.len(), tied as usize, "{p:?}");
    }
}

#[test]
fn non_sip_contact_skipped_before_13_18_then_416() {
    let conf = alice("max_contacts=2");
    let steps = [reg("alice").c("tel:+15551234").c(A)];
    let (old, o) = run(rel("13.17.2"), &conf, &steps);
    assert_eq!(status(&o[0]), 200);
    assert_eq!(old.stored("alice"), [A]);
    assert_eq!(resp_contacts(&o[0]), [format!("<{A}>;expires=3599")]);
    let (new, o) = run(rel("16.6.0"), &conf, &steps);
    assert_eq!(status(&o[0]), 416);
    assert!(new.stored("alice").is_empty());
}

#[test]
fn non_sip_contact_still_counts_as_previous_for_star_before_13_18() {
    let (_, o) = run(
        rel("13.17.2"),
        &alice("max_contacts=2"),
        &[reg("alice").c("tel:+15551234").contact("*").expires(0)],
    );
    assert_eq!(status(&o[0]), 400);
}

#[test]
fn x_ast_orig_host_from_16_8() {
    let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=2\n";
    let steps = [reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060")];
    let (old, o) = run(rel("16.6.0"), conf, &steps);
    assert_eq!(old.stored("alice"), ["sip:alice@203.0.113.7:40001"]);
    // the UA sees the rewritten address in the 200 OK (ASTERISK-28502)
    assert_eq!(
        resp_contacts(&o[0]),
        ["<sip:alice@203.0.113.7:40001>;expires=3599"]
    );
    let (new, o) = run(rel("18.7.0"), conf, &steps);
    assert_eq!(
        new.stored("alice"),
        ["sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060"]
    );
    assert_eq!(
        resp_contacts(&o[0]),
        ["<sip:alice@192.168.1.20:5060>;expires=3599"]
    );
}

#[test]
fn client_x_ast_params_kept_before_16_8() {
    let conf = alice("max_contacts=2");
    let steps = [reg("alice").c("sip:alice@10.0.0.1:5060;x-ast-orig-host=1.1.1.1:1")];
    let (old, _) = run(rel("16.6.0"), &conf, &steps);
    assert_eq!(
        old.stored("alice"),
        ["sip:alice@10.0.0.1:5060;x-ast-orig-host=1.1.1.1:1"]
    );
    let (new, _) = run(rel("18.7.0"), &conf, &steps);
    assert_eq!(new.stored("alice"), [A]);
}

#[test]
fn websocket_orig_host_only_in_the_latest_profile() {
    let conf = alice("max_contacts=2");
    let steps = [reg("alice")
        .src("198.51.100.4:53211")
        .proto(Protocol::Wss, Some(1))
        .c("sip:u@abc.invalid;transport=ws")];
    let (old, _) = run(rel("18.7.0"), &conf, &steps);
    assert_eq!(
        old.stored("alice"),
        ["sip:u@198.51.100.4:53211;transport=ws"]
    );
    let (new, _) = run(rel("22.11.0"), &conf, &steps);
    assert_eq!(
        new.stored("alice"),
        ["sip:u@198.51.100.4:53211;transport=ws;x-ast-orig-host=abc.invalid:0"]
    );
}

#[test]
fn remove_unavailable_only_exists_from_16_22() {
    // 16.22+: the unreachable binding makes room
    let conf = alice("max_contacts=1\nremove_unavailable=yes\nqualify_frequency=60");
    let mut x = Pbx::with_profile(rel("22.11.0"), &conf);
    x.ok(&reg("alice").c(A));
    let id = x.id_of(A);
    x.r.on_qualify_result(x.now, &id, QualifyResult::TimedOut);
    x.ok(&reg("alice").c(B));
    // earlier: the option is unknown, sorcery refuses the whole AOR → 404
    let mut x = Pbx::with_profile(rel("18.7.0"), &conf);
    x.expect(&reg("alice").c(A), 404);
    let (cfg, d) = aorlab_registrar::parse_pjsip_conf_for(&conf, rel("18.7.0"));
    assert!(!cfg.aors.contains_key("alice"));
    assert_eq!(
        d.iter().map(|x| (x.line, x.message.as_str())).collect::<Vec<_>>(),
        [
            (8, "Could not find option suitable for category 'alice' named 'remove_unavailable' at line 8 of pjsip.conf"),
            (8, "Could not create an object of type 'aor' with id 'alice' from configuration file 'pjsip.conf'"),
        ]
    );
    assert!(
        aorlab_registrar::parse_pjsip_conf_for(&conf, rel("22.11.0"))
            .1
            .is_empty()
    );
    // without the option both refuse the second phone
    let conf = alice("max_contacts=1\nqualify_frequency=60");
    for p in [rel("18.7.0"), rel("22.11.0")] {
        let mut x = Pbx::with_profile(p, &conf);
        x.ok(&reg("alice").c(A));
        let id = x.id_of(A);
        x.r.on_qualify_result(x.now, &id, QualifyResult::TimedOut);
        x.expect(&reg("alice").c(B), 403);
    }
}

#[test]
fn max_contacts_log_names_the_source_only_in_newer_profiles() {
    let conf = alice("max_contacts=1");
    let steps = [reg("alice").c(A), reg("alice").c(B)];
    let (_, o) = run(rel("16.6.0"), &conf, &steps);
    assert!(has_log(&o[1], "from endpoint 'alice' to AOR"));
    let (_, o) = run(rel("22.11.0"), &conf, &steps);
    assert!(has_log(
        &o[1],
        "from endpoint 'alice' (10.0.0.1:5060) to AOR"
    ));
}

#[test]
fn aor_from_to_uri_for_any_identify_by_only_in_22_11() {
    let conf =
        "[alice]\ntype=endpoint\naors=alice\nidentify_by=ip\n[alice]\ntype=aor\nmax_contacts=1\n";
    let steps = [reg("alice").c(A)];
    assert_eq!(status(&run(rel("18.7.0"), conf, &steps).1[0]), 404);
    assert_eq!(status(&run(rel("22.11.0"), conf, &steps).1[0]), 200);
}

#[test]
fn server_header_names_the_profiles_release() {
    for (p, v) in [
        (rel("13.17.2"), "13.17.2"),
        (rel("16.6.0"), "16.6.0"),
        (rel("18.7.0"), "18.7.0"),
        (Profile::default(), "22.11.0"),
    ] {
        let (_, o) = run(p, &alice("max_contacts=1"), &[reg("alice").c(A)]);
        assert!(resp_header(&o[0], "Server")
            .unwrap()
            .starts_with(&format!("Asterisk PBX {v}")));
    }
}

#[test]
fn contact_after_star_refused_only_from_13_18() {
    // ≤13.17 never remembered a `*` as the previous Contact
    let conf = alice("max_contacts=3");
    let steps = [
        reg("alice").c(A).c(B),
        reg("alice").contact("*").c(C).expires(0),
        reg("alice").c(A),
        reg("alice").contact("*").contact("*").expires(0),
    ];
    let (old, o) = run(rel("13.17.2"), &conf, &steps);
    assert_eq!(status(&o[1]), 200, "the `*` wins and the loop stops");
    assert_eq!(status(&o[3]), 200);
    assert!(old.stored("alice").is_empty());
    let (new, o) = run(rel("16.6.0"), &conf, &steps);
    assert_eq!(status(&o[1]), 400);
    assert_eq!(status(&o[3]), 400);
    assert_eq!(new.stored("alice").len(), 2);
}

#[test]
fn old_200_ok_reads_expiry_back_from_storage() {
    // registered at a whole second: the in-place working set (13.23+) shows
    // granted − 1, the re-read of ≤13.22 the whole stored seconds
    let conf = alice("max_contacts=1");
    let mut old = Pbx::with_profile(rel("13.17.2"), &conf);
    old.now = 1_795_730_060_000;
    let o = old.ok(&reg("alice").ce(A, 300));
    assert_eq!(resp_contacts(&o), [format!("<{A}>;expires=300")]);
    let mut new = Pbx::with_profile(rel("16.6.0"), &conf);
    new.now = 1_795_730_060_000;
    let o = new.ok(&reg("alice").ce(A, 300));
    assert_eq!(resp_contacts(&o), [format!("<{A}>;expires=299")]);
}

#[test]
fn domain_alias_pass_only_works_from_16_7() {
    let conf = "[alice]\ntype=endpoint\naors=alice@example.com\n\
                [alice@example.com]\ntype=aor\nmax_contacts=1\n\
                [example.org]\ntype=domain_alias\ndomain=example.com\n";
    let steps = [reg("alice").to("<sip:alice@example.org>").c(A)];
    assert_eq!(status(&run(rel("16.6.0"), conf, &steps).1[0]), 404);
    assert_eq!(status(&run(rel("18.7.0"), conf, &steps).1[0]), 200);
}

#[test]
fn external_signaling_address_overwrote_the_first_contact_before_16_17() {
    let conf = "[transport-udp]\ntype=transport\nprotocol=udp\nexternal_signaling_address=198.51.100.1\n\
                external_signaling_port=5070\nlocal_net=192.168.0.0/16\nlocal_net=10.0.0.0/255.0.0.0\n\
                [alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=2\n";
    let outside = [reg("alice")
        .src("203.0.113.7:40001")
        .transport("transport-udp")
        .c("sip:alice@203.0.113.7:40001")];
    let (old, o) = run(rel("16.6.0"), conf, &outside);
    assert_eq!(
        resp_contacts(&o[0]),
        ["<sip:alice@198.51.100.1:5070>;expires=3599"]
    );
    // storage is untouched: only the outgoing message was edited
    assert_eq!(old.stored("alice"), ["sip:alice@203.0.113.7:40001"]);
    let (_, o) = run(rel("22.11.0"), conf, &outside);
    assert_eq!(
        resp_contacts(&o[0]),
        ["<sip:alice@203.0.113.7:40001>;expires=3599"]
    );
    // a UA inside local_net gets its own Contact back
    let inside = [reg("alice")
        .src("10.1.2.3:5060")
        .transport("transport-udp")
        .c("sip:alice@10.1.2.3:5060")];
    let (_, o) = run(rel("16.6.0"), conf, &inside);
    assert_eq!(
        resp_contacts(&o[0]),
        ["<sip:alice@10.1.2.3:5060>;expires=3599"]
    );
}
