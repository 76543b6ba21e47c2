//! pjsip.conf as Asterisk reads it (reference §10): objects, defaults,
//! templates, several sections per name, and diagnostics with line numbers.

use aorlab_registrar::config::{options::OPTIONS, Aor, Endpoint, IdentifyBy, Severity};
use aorlab_registrar::{parse_pjsip_conf, Addr, Profile, Protocol, Received, Registrar};

#[test]
fn defaults_are_asteriskss() {
    let (c, d) = parse_pjsip_conf(
        "[a]\ntype=aor\nmax_contacts=1\n[e]\ntype=endpoint\naors=a\n[t]\ntype=transport\n",
    );
    assert!(d.is_empty(), "{d:?}");
    let a = &c.aors["a"];
    assert_eq!(
        (
            a.minimum_expiration,
            a.maximum_expiration,
            a.default_expiration
        ),
        (60, 7200, 3600)
    );
    assert_eq!((a.qualify_frequency, a.qualify_timeout), (0, 3.0));
    assert!(!a.remove_existing && !a.remove_unavailable && !a.support_path && !a.qualify_2xx_only);
    assert_eq!(Aor::new("x").max_contacts, 0);
    let e = &c.endpoints["e"];
    assert!(!e.rewrite_contact && e.force_rport && !e.rtp_symmetric);
    assert_eq!(e.identify_by, [IdentifyBy::Username, IdentifyBy::Ip]);
    assert_eq!(Endpoint::new("x").aors, Vec::<String>::new());
    assert_eq!(c.transports["t"].protocol, Protocol::Udp);
    assert!(!c.transports["t"].symmetric_transport);
    let g = &c.global;
    assert_eq!(g.contact_expiration_check_interval, 30);
    assert_eq!(g.keep_alive_interval, 90);
    assert_eq!(g.max_initial_qualify_time, 0);
    assert!(!g.ignore_uri_user_options);
    // the option table's documented defaults agree with the model
    let def = |s: &str, n: &str| {
        OPTIONS
            .iter()
            .find(|o| o.section == s && o.name == n)
            .unwrap()
            .default
    };
    assert_eq!(def("aor", "max_contacts"), "0");
    assert_eq!(def("aor", "default_expiration"), "3600");
    assert_eq!(def("aor", "minimum_expiration"), "60");
    assert_eq!(def("aor", "maximum_expiration"), "7200");
    assert_eq!(def("endpoint", "force_rport"), "yes");
    assert_eq!(def("global", "contact_expiration_check_interval"), "30");
}

#[test]
fn every_registrar_option_is_read() {
    let t = "[tmpl](!)\ntype=aor\nqualify_timeout=1.5\n\
[a](tmpl)\nmax_contacts=4\nremove_existing=yes\nremove_unavailable=true\nminimum_expiration=30\n\
maximum_expiration=600\ndefault_expiration=120\nqualify_frequency=15\nqualify_2xx_only=yes\n\
authenticate_qualify=yes\noutbound_proxy=sip:p.example.com\\;lr\nsupport_path=on\n\
contact=sip:x@192.0.2.1, sip:y@192.0.2.2\ncontact=sip:z@192.0.2.3\nmailboxes=100@default\n\
[e]\ntype=endpoint\naors= a , b \nrewrite_contact=yes\nforce_rport=no\nidentify_by=auth_username,username\n\
[b]\ntype=aor\nmax_contacts=1\n\
[wss]\ntype=transport\nprotocol=wss\nsymmetric_transport=yes\nlocal_net=10.0.0.0/8\nlocal_net=192.168.0.0/16\n\
[example.org]\ntype=domain_alias\ndomain=example.com\n\
[global]\ntype=global\ncontact_expiration_check_interval=0\nmax_initial_qualify_time=7\nignore_uri_user_options=yes\n";
    let (c, d) = parse_pjsip_conf(t);
    assert!(d.is_empty(), "{d:?}");
    let a = &c.aors["a"];
    assert_eq!(a.max_contacts, 4);
    assert!(a.remove_existing && a.remove_unavailable && a.qualify_2xx_only && a.support_path);
    assert!(a.authenticate_qualify);
    assert_eq!(
        (
            a.minimum_expiration,
            a.maximum_expiration,
            a.default_expiration
        ),
        (30, 600, 120)
    );
    assert_eq!((a.qualify_frequency, a.qualify_timeout), (15, 1.5));
    assert_eq!(a.outbound_proxy, "sip:p.example.com;lr");
    assert_eq!(
        a.contacts,
        ["sip:x@192.0.2.1", "sip:y@192.0.2.2", "sip:z@192.0.2.3"]
    );
    let e = &c.endpoints["e"];
    assert_eq!(e.aors, ["a", "b"]);
    assert!(e.rewrite_contact && !e.force_rport);
    assert_eq!(
        e.identify_by,
        [IdentifyBy::AuthUsername, IdentifyBy::Username]
    );
    let w = &c.transports["wss"];
    assert_eq!(w.protocol, Protocol::Wss);
    assert!(w.symmetric_transport);
    assert_eq!(w.local_net, ["10.0.0.0/8", "192.168.0.0/16"]);
    assert_eq!(c.domain_aliases["example.org"], "example.com");
    assert_eq!(c.global.contact_expiration_check_interval, 0);
    assert_eq!(c.global.max_initial_qualify_time, 7);
    assert!(c.global.ignore_uri_user_options);
}

#[test]
fn one_name_several_types() {
    let (c, d) = parse_pjsip_conf(
        "[6001]\ntype=endpoint\naors=6001\nauth=6001\n[6001]\ntype=auth\nusername=6001\npassword=x\n[6001]\ntype=aor\nmax_contacts=1\n",
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.endpoints["6001"].aors, ["6001"]);
    assert_eq!(c.aors["6001"].max_contacts, 1);
}

#[test]
fn same_name_same_type_twice_warns_and_the_later_wins() {
    let (c, d) =
        parse_pjsip_conf("[a]\ntype=aor\nmax_contacts=1\n\n[a]\ntype=aor\nmax_contacts=2\n");
    assert_eq!(c.aors["a"].max_contacts, 2);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].severity), (5, Severity::Warning));
    assert!(d[0].message.contains("defined twice"));
}

#[test]
fn templates_chain_and_later_values_override() {
    let t = "[base](!)\ntype=aor\nmax_contacts=1\nqualify_frequency=60\n\
[nat](!,base)\nremove_existing=yes\nmax_contacts=2\n\
[other](!)\nqualify_frequency=30\n\
[a](nat,other)\nmaximum_expiration=300\n\
[b](base)\ntype=aor\nmax_contacts=5\n";
    let (c, d) = parse_pjsip_conf(t);
    assert!(d.is_empty(), "{d:?}");
    let a = &c.aors["a"];
    assert_eq!(
        (
            a.max_contacts,
            a.remove_existing,
            a.qualify_frequency,
            a.maximum_expiration
        ),
        (2, true, 30, 300)
    );
    assert_eq!(c.aors["b"].max_contacts, 5);
    assert!(
        !c.aors.contains_key("base")
            && !c.aors.contains_key("nat")
            && !c.aors.contains_key("other")
    );
}

#[test]
fn a_template_must_be_defined_above_its_use() {
    let (_, d) = parse_pjsip_conf("[a](bse)\ntype=aor\n[base](!)\ntype=aor\n");
    let e = d
        .iter()
        .find(|x| x.message.contains("uses template 'bse'"))
        .expect("diagnostic");
    assert_eq!((e.line, e.severity), (1, Severity::Error));
    assert_eq!(e.hint.as_deref(), Some("did you mean 'base'?"));
}

#[test]
fn plus_extends_the_previous_category() {
    let (c, d) = parse_pjsip_conf(
        "[a]\ntype=aor\nmax_contacts=1\n[x]\ntype=aor\n[a](+)\nremove_existing=yes\n",
    );
    assert!(d.iter().all(|x| x.severity == Severity::Warning), "{d:?}");
    assert_eq!(c.aors["a"].max_contacts, 1);
    assert!(c.aors["a"].remove_existing);
    let (_, d) = parse_pjsip_conf("[a](+)\ntype=aor\n");
    assert!(d[0].message.contains("does not exist yet"));
}

#[test]
fn plus_equals_appends_to_the_previous_value() {
    // config.c: `name += value` appends the text to the last `name` in the category
    let (c, d) = parse_pjsip_conf("[e]\ntype=endpoint\naors=a\naors+=,b\n[a]\ntype=aor\nmax_contacts=1\n[b]\ntype=aor\nmax_contacts=1\n");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.endpoints["e"].aors, ["a", "b"]);
    // with nothing to append to it is a plain assignment
    let (c, d) = parse_pjsip_conf("[a]\ntype=aor\nmax_contacts += 3\n");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.aors["a"].max_contacts, 3);
    // a value inherited from a template is extended too; contact= stays one entry
    let (c, d) = parse_pjsip_conf(
        "[t](!)\ntype=aor\ncontact=sip:a@192.0.2.1\n[x](t)\nmax_contacts=1\ncontact+=,sip:b@192.0.2.2\n",
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.aors["x"].contacts, ["sip:a@192.0.2.1", "sip:b@192.0.2.2"]);
}

#[test]
fn unknown_options_are_reported_like_asterisk_with_a_hint() {
    let t = "[alice]\ntype=aor\n  max_contact=2\nremove_existnig=yes\nfoo_bar_baz=1\n[alice]\ntype=endpoint\naors=alice\nrewrite_contacts=yes\n";
    let (c, d) = parse_pjsip_conf(t);
    let w: Vec<_> = d
        .iter()
        .filter(|x| x.message.starts_with("Could not find option"))
        .collect();
    assert_eq!(w.len(), 4, "{d:?}");
    assert_eq!(
        w[0].message,
        "Could not find option suitable for category 'alice' named 'max_contact' at line 3 of pjsip.conf"
    );
    assert_eq!(
        (w[0].line, w[0].col, w[0].severity),
        (3, 3, Severity::Warning)
    );
    assert_eq!(w[0].hint.as_deref(), Some("did you mean 'max_contacts'?"));
    assert_eq!(
        w[1].hint.as_deref(),
        Some("did you mean 'remove_existing'?")
    );
    assert_eq!(
        w[2].hint.as_deref(),
        Some("Asterisk has no aor option 'foo_bar_baz'")
    );
    assert_eq!(w[3].line, 9);
    assert_eq!(
        w[3].hint.as_deref(),
        Some("did you mean 'rewrite_contact'?")
    );
    // aco_process_var fails, so Asterisk does not create the AOR at all …
    let refused: Vec<_> = d
        .iter()
        .filter(|x| x.message.starts_with("Could not create"))
        .collect();
    assert_eq!(refused.len(), 1, "{d:?}");
    assert_eq!(
        refused[0].message,
        "Could not create an object of type 'aor' with id 'alice' from configuration file 'pjsip.conf'"
    );
    assert_eq!(refused[0].line, 3);
    assert!(!c.aors.contains_key("alice"));
    assert_eq!(c.rejected, [("aor".to_string(), "alice".to_string())]);
    // … while an endpoint option aorlab does not know may exist in Asterisk: kept
    assert!(c.endpoints.contains_key("alice"));
}

#[test]
fn a_refused_aor_means_404_and_a_reload_keeps_the_previous_version() {
    let good = "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=1\n";
    let bad =
        "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=2\nmax_contact=3\n";
    let rx = |user: &str| {
        Received::new(aorlab_sip::Message::parse(&format!(
            "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:{user}@x>;tag=1\r\nTo: <sip:{user}@x>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContact: <sip:{user}@10.0.0.1>\r\nContent-Length: 0\r\n\r\n"
        ))
        .unwrap(), Addr::new("10.0.0.1", 5060), Protocol::Udp, None, None)
    };
    let (cfg, _) = parse_pjsip_conf(bad);
    let mut r = Registrar::new(Profile::default(), cfg, 1_000_000);
    let out = r.on_register(1_000_000, &rx("alice"));
    assert_eq!(out.response.unwrap().status(), 404);
    // a good config, then a reload with the broken one: the old AOR is retained
    let (cfg, _) = parse_pjsip_conf(good);
    let mut r = Registrar::new(Profile::default(), cfg, 1_000_000);
    let out = r.on_register(1_000_000, &rx("alice"));
    assert_eq!(out.response.unwrap().status(), 200);
    let (cfg, _) = parse_pjsip_conf(bad);
    let out = r.on_reload(1_001_000, cfg);
    assert!(
        out.log.iter().any(|l| l.ends_with(
            "ERROR res_sorcery_config.c: Retaining existing configuration for object of type 'aor' with id 'alice'"
        )),
        "{:?}",
        out.log
    );
    assert_eq!(r.config().aors["alice"].max_contacts, 1);
    assert_eq!(r.bindings().count(), 1);
}

#[test]
fn static_contacts_are_length_checked_and_deduplicated() {
    let long_host = "h".repeat(250);
    let t = format!(
        "[a]\ntype=aor\nmax_contacts=1\ncontact=sip:x@192.0.2.1, sip:x@192.0.2.1\ncontact=sip:y@{long_host}:5060\n"
    );
    let (c, d) = parse_pjsip_conf(&t);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.aors["a"].contacts.len(), 2);
    // without a port the host may be 10 shorter (room for "_sips.tcp.")
    let t = format!("[a]\ntype=aor\nmax_contacts=1\ncontact=sip:y@{long_host}\n");
    let (c, d) = parse_pjsip_conf(&t);
    assert!(d[0].message.contains("exceeds pjproject limit"), "{d:?}");
    assert!(!c.aors.contains_key("a"));
}
#[test]
fn bad_values_are_errors_at_the_value() {
    let t = "[a]\ntype=aor\nmax_contacts=-1\nremove_existing = maybe\nqualify_frequency=86401\nqualify_timeout=abc\ncontact=tel:+1555\n\
[t]\ntype=transport\nprotocol=ucp\n[e]\ntype=endpoint\nidentify_by=username,mac\n";
    let (c, d) = parse_pjsip_conf(t);
    let errs: Vec<_> = d
        .iter()
        .filter(|x| x.severity == Severity::Error && x.message.starts_with("Error parsing"))
        .collect();
    assert_eq!(errs.len(), 7, "{d:?}");
    assert_eq!(
        errs[0].message,
        "Error parsing max_contacts=-1 at line 3 of pjsip.conf: expected a whole number from 0 to 4294967295"
    );
    assert_eq!((errs[1].line, errs[1].col), (4, 19));
    assert_eq!(errs[1].hint.as_deref(), Some("use yes or no"));
    assert!(errs[2].message.contains("from 0 to 86400"));
    assert!(errs[3].message.contains("qualify_timeout=abc"));
    assert!(errs[4].message.contains("not a sip(s) uri: tel:+1555"));
    assert_eq!(errs[5].hint.as_deref(), Some("did you mean 'udp'?"));
    assert!(errs[6].message.contains("unknown identify_by method 'mac'"));
    // each refused object is reported once, at its first problem, and not created
    let refused: Vec<(u32, String)> = d
        .iter()
        .filter(|x| x.message.starts_with("Could not create"))
        .map(|x| (x.line, x.message.split('\'').nth(1).unwrap().to_string()))
        .collect();
    assert_eq!(
        refused,
        [
            (3, "aor".to_string()),
            (10, "transport".to_string()),
            (13, "endpoint".to_string())
        ]
    );
    assert!(c.aors.is_empty() && c.transports.is_empty() && c.endpoints.is_empty());
    assert_eq!(c.rejected.len(), 3);
}
#[test]
fn structure_errors() {
    let t = "max_contacts=1\n[a\n[]\n[b] junk\n[c]\njust words\n[d]\ntype=aorr\n[e]\nmax_contacts=1\n#include extra.conf\n";
    let (_, d) = parse_pjsip_conf(t);
    let msg = |l: u32| {
        d.iter()
            .find(|x| x.line == l)
            .map(|x| x.message.clone())
            .unwrap_or_default()
    };
    assert!(msg(1).contains("before any [section]"));
    assert!(msg(2).contains("without ']'"));
    assert!(msg(3).contains("empty section name"));
    assert!(msg(4).contains("unexpected text after [b]"));
    assert!(msg(6).contains("neither a [section] nor an option"));
    assert!(msg(8).contains("unknown object type 'aorr'"));
    assert_eq!(
        d.iter().find(|x| x.line == 8).unwrap().hint.as_deref(),
        Some("did you mean 'aor'?")
    );
    assert!(msg(9).contains("has no 'type' option"));
    assert!(msg(11).contains("'#include' is not followed here"));
    // diagnostics are sorted by place
    let places: Vec<_> = d.iter().map(|x| (x.line, x.col)).collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted);
}

#[test]
fn comments_escapes_and_arrows() {
    let t = "; a comment\n[a] ; trailing\ntype = aor ; x\n;--\nmax_contacts=9\n--;\nmax_contacts => 2\noutbound_proxy=sip:p\\;lr ; cut here\n";
    let (c, d) = parse_pjsip_conf(t);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.aors["a"].max_contacts, 2);
    assert_eq!(c.aors["a"].outbound_proxy, "sip:p;lr");
}

#[test]
fn cross_reference_warnings() {
    let (_, d) = parse_pjsip_conf("[e]\ntype=endpoint\naors=alcie\n[alice]\ntype=aor\nmax_contacts=1\n[z]\ntype=aor\n[f]\ntype=endpoint\naors=z\n");
    let undefined = d
        .iter()
        .find(|x| x.message.contains("lists AOR 'alcie'"))
        .unwrap();
    assert_eq!(undefined.hint.as_deref(), Some("did you mean 'alice'?"));
    assert!(d
        .iter()
        .any(|x| x.message.contains("AOR 'z' has max_contacts = 0")));
}

#[test]
fn min_above_max_is_flagged() {
    let (_, d) = parse_pjsip_conf(
        "[a]\ntype=aor\nmax_contacts=1\nminimum_expiration=600\nmaximum_expiration=300\n",
    );
    assert_eq!(d.len(), 1);
    assert!(d[0]
        .message
        .contains("minimum_expiration 600 is above maximum_expiration 300"));
}

#[test]
fn options_that_do_not_decide_registrations_are_accepted_quietly() {
    let (_, d) = parse_pjsip_conf(
        "[e]\ntype=endpoint\naors=a\ncontext=default\ndisallow=all\nallow=ulaw\n[a]\ntype=aor\nmax_contacts=1\nmailboxes=1@x\n\
[global]\ntype=global\ndebug=no\nkeep_alive_interval=90\n[auth1]\ntype=auth\nusername=u\npassword=p\n",
    );
    assert!(d.is_empty(), "{d:?}");
}
