//! Reference §6: bindings tied to their TCP/TLS/WS connection (prune_on_boot,
//! the transport monitor) and what a restart keeps or prunes.

mod common;
use aorlab_registrar::{Protocol, QualifyResult, Status, Why};
use common::*;

fn conf(rewrite: bool) -> String {
    format!(
        "[alice]\ntype=endpoint\naors=alice\nrewrite_contact={}\n[alice]\ntype=aor\nmax_contacts=5\nqualify_frequency=0\n",
        if rewrite { "yes" } else { "no" }
    )
}

#[test]
fn closing_a_connection_removes_only_the_bindings_tied_to_it() {
    let mut p = Pbx::new(&conf(true));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060;transport=tcp"));
    p.ok(&reg("alice")
        .src("203.0.113.8:40002")
        .tcp(2)
        .c("sip:alice@192.168.1.30:5060;transport=tcp"));
    p.ok(&reg("alice")
        .src("203.0.113.9:5060")
        .c("sip:alice@192.168.1.40:5060"));
    let tied = "sip:alice@203.0.113.7:40001;transport=TCP;x-ast-orig-host=192.168.1.20:5060";
    let id = p.id_of(tied);
    assert_eq!(p.r.monitor_of(&id), Some(1));
    assert!(
        p.r.bindings()
            .find(|b| b.uri == tied)
            .unwrap()
            .prune_on_boot
    );
    let udp = p.id_of("sip:alice@203.0.113.9:5060;x-ast-orig-host=192.168.1.40:5060");
    assert_eq!(p.r.monitor_of(&udp), None);

    let out = p.r.on_connection_closed(p.now, 1);
    assert_eq!(
        logs(&out),
        [format!("VERBOSE res_pjsip_registrar.c: Removed contact '{tied}' from AOR 'alice' due to shutdown")]
    );
    assert_eq!(out.changes[0].why, Why::Shutdown);
    assert_eq!(p.stored("alice").len(), 2);
    // an unknown or already-closed connection changes nothing
    assert!(p.r.on_connection_closed(p.now, 1).changes.is_empty());
    assert!(p.r.on_connection_closed(p.now, 99).changes.is_empty());
}

#[test]
fn tcp_without_rewrite_survives_the_close() {
    let mut p = Pbx::new(&conf(false));
    // private Contact (c07c) and a Contact that equals the source (c07b): neither is tied
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060;transport=tcp"));
    p.ok(&reg("alice")
        .src("203.0.113.8:40002")
        .tcp(2)
        .c("sip:alice@203.0.113.8:40002;transport=tcp"));
    assert!(p.r.bindings().all(|b| !b.prune_on_boot));
    assert!(p.r.on_connection_closed(p.now, 1).changes.is_empty());
    assert!(p.r.on_connection_closed(p.now, 2).changes.is_empty());
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn tied_needs_matching_source_reliable_transport_and_transport_param() {
    // ast_sip_will_uri_survive_restart, through real REGISTERs (no rewrite):
    // WebSocket contacts are rewritten to the source with transport=ws, so tied.
    let mut p = Pbx::new(&conf(false));
    p.ok(&reg("alice")
        .src("198.51.100.4:53211")
        .proto(Protocol::Wss, Some(5))
        .c("sip:u@x.invalid;transport=ws"));
    let b = p.r.bindings().next().unwrap().clone();
    assert!(b.prune_on_boot);
    assert_eq!(p.r.monitor_of(&b.id), Some(5));
    assert_eq!(removed_uris(&p.r.on_connection_closed(p.now, 5)), [b.uri]);
    // TLS with rewrite: tied
    let mut p = Pbx::new(&conf(true));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .proto(Protocol::Tls, Some(3))
        .c("sips:alice@192.168.1.20:5061"));
    assert!(p.r.bindings().next().unwrap().prune_on_boot);
    // UDP with rewrite: never tied
    let mut p = Pbx::new(&conf(true));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    assert!(!p.r.bindings().next().unwrap().prune_on_boot);
}

#[test]
fn unregistering_drops_the_monitor() {
    let mut p = Pbx::new(&conf(true));
    let r = reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060");
    p.ok(&r);
    let id = p.r.bindings().next().unwrap().id.clone();
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .ce("sip:alice@192.168.1.20:5060", 0));
    assert_eq!(p.r.monitor_of(&id), None);
    assert!(p.r.on_connection_closed(p.now, 1).changes.is_empty());
}

#[test]
fn reconnect_after_close_registers_again() {
    // reference §5.3: a new TCP connection is a new source port, hence a new binding;
    // with max_contacts=1 it is accepted only because the close removed the old one.
    let text = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=1\n";
    let mut p = Pbx::new(text);
    let c = "sip:alice@192.168.1.20:5060;transport=tcp";
    p.ok(&reg("alice").src("203.0.113.7:40001").tcp(1).c(c));
    p.expect(&reg("alice").src("203.0.113.7:40002").tcp(2).c(c), 403);
    p.r.on_connection_closed(p.now, 1);
    p.ok(&reg("alice").src("203.0.113.7:40002").tcp(2).c(c));
}

fn restart(p: &mut Pbx, down_s: u64, systemname: Option<&str>) -> aorlab_registrar::Outcome {
    p.r.on_stop(p.now);
    assert!(!p.r.is_up());
    p.wait(down_s);
    if let Some(n) = systemname {
        p.r = p.r.clone().with_systemname(n);
    }
    p.r.on_start(p.now)
}

#[test]
fn restart_keeps_bindings_and_prunes_the_tied_ones() {
    let mut p = Pbx::new(&conf(true));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060"));
    p.ok(&reg("alice")
        .src("203.0.113.9:5060")
        .c("sip:alice@192.168.1.40:5060"));
    let udp_before: Vec<_> =
        p.r.bindings()
            .filter(|b| !b.prune_on_boot)
            .cloned()
            .collect();
    let out = restart(&mut p, 20, None);
    assert_eq!(
        logs(&out),
        ["VERBOSE res_pjsip/location.c: Removed contact 'sip:alice@203.0.113.7:40001;transport=TCP;x-ast-orig-host=192.168.1.20:5060' from AOR 'alice' due to system boot"]
    );
    assert_eq!(out.changes[0].why, Why::SystemBoot);
    // the UDP binding is still there with its stored expiration
    assert_eq!(p.r.bindings().cloned().collect::<Vec<_>>(), udp_before);
}

#[test]
fn boot_prune_only_for_bindings_of_this_systemname() {
    let mut p = Pbx::new(&conf(true));
    p.r = p.r.clone().with_systemname("pbx1");
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060"));
    assert_eq!(p.r.bindings().next().unwrap().reg_server, "pbx1");
    // another system (shared astdb) does not prune it
    let out = restart(&mut p, 5, Some("pbx2"));
    assert!(out.changes.is_empty());
    assert_eq!(p.stored("alice").len(), 1);
    // its own system does
    let out = restart(&mut p, 5, Some("pbx1"));
    assert_eq!(out.changes.len(), 1);
    assert!(p.stored("alice").is_empty());
}

#[test]
fn statuses_and_monitors_are_memory_only() {
    let mut p = Pbx::new(&conf(true).replace("qualify_frequency=0", "qualify_frequency=60"));
    p.ok(&reg("alice")
        .src("203.0.113.9:5060")
        .c("sip:alice@192.168.1.40:5060"));
    let id = p.r.bindings().next().unwrap().id.clone();
    p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
    assert_eq!(p.r.status_of(&id), Status::Unreachable);
    restart(&mut p, 5, None);
    assert_eq!(p.r.status_of(&id), Status::NonQualified);
}

#[test]
fn bindings_that_expired_while_down_go_lazily_or_at_the_first_sweep() {
    let mut p = Pbx::new(&conf(false).replace("qualify_frequency=0", "minimum_expiration=10"));
    p.ok(&reg("alice").ce("sip:alice@192.168.1.40:5060", 10));
    p.ok(&reg("alice").ce("sip:alice@192.168.1.41:5060", 3600));
    let out = restart(&mut p, 60, None);
    assert!(out.changes.is_empty(), "not at boot");
    assert_eq!(p.stored("alice").len(), 2);
    // the first sweep, contact_expiration_check_interval (30 s) after the boot
    assert_eq!(p.r.next_wakeup(), Some(p.now + 30_000));
    let outs = p.run_until(p.now + 30_000);
    let removed: Vec<_> = outs.iter().flat_map(removed_uris).collect();
    assert_eq!(removed, ["sip:alice@192.168.1.40:5060"]);
}

#[test]
fn no_monitor_before_13_18() {
    let mut p = Pbx::with_profile(aorlab_registrar::Profile::new(13, 17, 2), &conf(true));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060"));
    let b = p.r.bindings().next().unwrap().clone();
    assert!(!b.prune_on_boot);
    assert!(p.r.on_connection_closed(p.now, 1).changes.is_empty());
    assert!(restart(&mut p, 5, None).changes.is_empty());
    assert_eq!(p.stored("alice"), [b.uri]);
}
