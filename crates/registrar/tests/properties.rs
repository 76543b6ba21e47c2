//! Property tests: random REGISTER sequences against the invariants that really
//! hold given the quirks of reference §2.8, and mutated requests never panic.

mod common;
use aorlab_registrar::{dynamic_id, static_id, ChangeKind, Outcome, QualifyResult, Registrar};
use common::*;
use proptest::prelude::*;

/// A small pool so that refreshes, duplicates and param-only differences happen.
const POOL: &[&str] = &[
    "sip:d1@10.0.0.1:5060",
    "sip:d1@10.0.0.1:5060;ob",
    "sip:d2@10.0.0.2:5060",
    "sip:d2@10.0.0.2:5061",
    "sip:d3@10.0.0.3;transport=tcp",
    "sip:d4@host.example",
    "sip:d5@10.0.0.5:5060;rinstance=a",
    "sip:d5@10.0.0.5:5060;rinstance=b",
];

#[derive(Debug, Clone)]
enum Step {
    Register {
        device: u8,
        contacts: Vec<(usize, Option<u32>)>,
        expires: Option<u32>,
        wait_s: u32,
    },
    Star {
        wait_s: u32,
    },
    Query {
        wait_s: u32,
    },
    Qualify {
        pick: usize,
        ok: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let expires = prop_oneof![Just(None), (0u32..1200).prop_map(Some), Just(Some(0))];
    prop_oneof![
        6 => (
            0u8..4,
            prop::collection::vec((0..POOL.len(), expires.clone()), 0..4),
            expires,
            0u32..400
        )
            .prop_map(|(device, contacts, expires, wait_s)| Step::Register { device, contacts, expires, wait_s }),
        1 => (0u32..400).prop_map(|wait_s| Step::Star { wait_s }),
        1 => (0u32..400).prop_map(|wait_s| Step::Query { wait_s }),
        1 => (0usize..8, any::<bool>()).prop_map(|(pick, ok)| Step::Qualify { pick, ok }),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    max: u32,
    remove_existing: bool,
    remove_unavailable: bool,
    statics: usize,
    min_exp: u32,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        1u32..4,
        any::<bool>(),
        any::<bool>(),
        0usize..3,
        prop_oneof![Just(1u32), Just(60u32)],
    )
        .prop_map(
            |(max, remove_existing, remove_unavailable, statics, min_exp)| Setup {
                max,
                remove_existing,
                remove_unavailable,
                statics,
                min_exp,
            },
        )
}

const STATICS: &[&str] = &["sip:desk@192.0.2.9:5060", "sip:door@192.0.2.10"];

fn conf_of(s: &Setup, profile: aorlab_registrar::Profile) -> String {
    let mut t = format!(
        "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts={}\nremove_existing={}\n\
         minimum_expiration={}\nqualify_frequency=60\n",
        s.max, s.remove_existing, s.min_exp
    );
    // older versions do not have the option at all (and would refuse the AOR)
    if profile.knows_aor_option("remove_unavailable") {
        t.push_str(&format!("remove_unavailable={}\n", s.remove_unavailable));
    }
    for c in &STATICS[..s.statics] {
        t.push_str(&format!("contact={c}\n"));
    }
    t
}

/// The invariants after one REGISTER. `qualified` = some dynamic binding was
/// ever made Unreachable (the remove_unavailable quirks of §2.8 then apply).
/// `dup`: the REGISTER named one binding twice (classification then counts from
/// the pre-REGISTER state, so a delete + re-add in one request can pass max).
fn check(
    p: &Pbx,
    s: &Setup,
    out: &Outcome,
    before: usize,
    qualified: bool,
    dup: bool,
    sorted: bool,
) -> Result<(), TestCaseError> {
    for b in p.r.bindings() {
        prop_assert_eq!(&b.id, &dynamic_id(&b.aor, &b.uri));
    }
    let code = status(out);
    prop_assert!(matches!(code, 200 | 400 | 403), "code {}", code);
    if code != 200 {
        prop_assert!(out
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Rejected || c.kind == ChangeKind::Removed));
        return Ok(());
    }
    let stored = p.stored("alice");
    // the 200 OK lists exactly the stored bindings (id order), then the statics
    let mut want: Vec<String> = stored.clone();
    let mut statics: Vec<&str> = STATICS[..s.statics].to_vec();
    statics.sort_by_key(|u| static_id("alice", u));
    let prepass_dropped_static = s.remove_unavailable && qualified;
    let mut listed: Vec<String> = resp_contacts(out)
        .iter()
        .map(|c| {
            c.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    if !prepass_dropped_static {
        want.extend(statics.iter().map(|x| x.to_string()));
        if !sorted {
            // before 20.16/21.11/22.6 this REGISTER's own bindings come last:
            // the same set, in another order
            listed.sort();
            want.sort();
        }
        prop_assert_eq!(&listed, &want);
    } else {
        // the pre-pass quirks (§2.8): a static contact may be left out, and a
        // re-created binding evicted again by the post-pass is still listed
        for x in &stored {
            prop_assert!(listed.contains(x), "{} not listed", x);
        }
    }
    // fresh bindings show granted − 1 (the last grant when a URI came twice)
    let mut granted: std::collections::BTreeMap<&str, i64> = Default::default();
    for c in out
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Refreshed))
    {
        granted.insert(&*c.uri, c.expires.unwrap() as i64);
    }
    for (uri, g) in granted {
        if !stored.iter().any(|x| x == uri) {
            continue;
        }
        let line = resp_contacts(out)
            .into_iter()
            .find(|l| l.starts_with(&format!("<{uri}>")))
            .unwrap();
        prop_assert!(
            line.ends_with(&format!(";expires={}", g - 1)),
            "{} granted {}",
            line,
            g
        );
    }
    // the max_contacts bound (§2.8): exact for remove_existing=no; with
    // remove_existing=yes a REGISTER's own bindings may exceed max when it
    // also deleted some (the check is updated + added − deleted)
    let quirky = dup || (s.remove_unavailable && qualified);
    if !quirky {
        let own = out
            .changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Refreshed))
            .map(|c| &c.uri)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let bound = if s.remove_existing {
            (s.max as usize).max(own)
        } else {
            s.max as usize
        };
        prop_assert!(
            stored.len() <= bound,
            "{} bindings, max {}, own {}",
            stored.len(),
            s.max,
            own
        );
        if !s.remove_existing {
            prop_assert!(stored.len() <= (s.max as usize).max(before));
        }
    }
    Ok(())
}

fn run_steps(s: &Setup, steps: &[Step]) -> Result<(), TestCaseError> {
    run_steps_as(aorlab_registrar::Profile::default(), s, steps)
}

/// Older profiles: the same listing/id invariants; the max_contacts bound is
/// only checked for the current rules.
fn run_steps_as(
    profile: aorlab_registrar::Profile,
    s: &Setup,
    steps: &[Step],
) -> Result<(), TestCaseError> {
    let mut p = Pbx::with_profile(profile, &conf_of(s, profile));
    let strict = profile.evicts_soonest_expiring();
    let mut qualified = false;
    for st in steps {
        let r = match st {
            Step::Register {
                device,
                contacts,
                expires,
                wait_s,
            } => {
                p.wait(*wait_s as u64);
                let mut r = reg("alice")
                    .call_id(&format!("dev{device}"))
                    .src(&format!("10.0.1.{device}:5060"));
                for (i, e) in contacts {
                    r = match e {
                        Some(e) => r.ce(POOL[*i], *e),
                        None => r.c(POOL[*i]),
                    };
                }
                if let Some(e) = expires {
                    r = r.expires(*e);
                }
                r
            }
            Step::Star { wait_s } => {
                p.wait(*wait_s as u64);
                reg("alice").contact("*").expires(0)
            }
            Step::Query { wait_s } => {
                p.wait(*wait_s as u64);
                reg("alice")
            }
            Step::Qualify { pick, ok } => {
                let ids: Vec<String> = p.r.bindings().map(|b| b.id.clone()).collect();
                if let Some(id) = ids.get(pick % ids.len().max(1)) {
                    let res = if *ok {
                        QualifyResult::Answered {
                            code: 200,
                            rtt_ms: 1.0,
                        }
                    } else {
                        qualified = true;
                        QualifyResult::TimedOut
                    };
                    p.r.on_qualify_result(p.now, id, res);
                }
                continue;
            }
        };
        let now = p.now;
        let before =
            p.r.contact_rows(now, Some("alice"))
                .iter()
                .filter(|r| !r.is_static)
                .count();
        // POOL[0] and POOL[1] are the same binding (a param on one side only)
        let group = |i: usize| if i == 1 { 0 } else { i };
        let dup = match st {
            Step::Register { contacts, .. } => {
                let mut g: Vec<usize> = contacts.iter().map(|(i, _)| group(*i)).collect();
                g.sort();
                g.windows(2).any(|w| w[0] == w[1])
            }
            _ => false,
        };
        let out = p.send(&r);
        check(
            &p,
            s,
            &out,
            before,
            qualified,
            dup || !strict,
            profile.sorts_retrieved_contacts(),
        )?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_register_sequences_keep_the_invariants(s in setup(), steps in prop::collection::vec(step(), 1..25)) {
        run_steps(&s, &steps)?;
    }

    #[test]
    fn every_profile_lists_what_it_stores(
        prof in 0usize..aorlab_registrar::BRANCHES.len(),
        s in setup(),
        steps in prop::collection::vec(step(), 1..20),
    ) {
        run_steps_as(aorlab_registrar::BRANCHES[prof], &s, &steps)?;
    }

    #[test]
    fn mutated_registers_never_panic(seed_contacts in prop::collection::vec(0..POOL.len(), 0..3),
                                     cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6)) {
        let mut r = reg("alice").expires(300);
        for i in &seed_contacts {
            r = r.c(POOL[*i]);
        }
        let mut bytes = r.text().into_bytes();
        for (at, b) in &cuts {
            let i = at.index(bytes.len());
            match b % 3 {
                0 => bytes[i] = *b,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, *b),
            }
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Ok(msg) = aorlab_sip::Message::parse(&text) {
            let mut reg = Registrar::new(aorlab_registrar::Profile::default(), conf(&alice("max_contacts=2\ncontact=sip:desk@192.0.2.9")), T0);
            let rx = aorlab_registrar::Received::new(msg, aorlab_registrar::Addr::new("10.0.0.1", 5060), aorlab_registrar::Protocol::Udp, None, None);
            let out = reg.on_register(T0, &rx);
            prop_assert!(out.response.is_some());
            let _ = reg.dial_contacts(T0, "alice", None, None);
            let _ = reg.show_contacts(T0);
        }
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        if let Ok(msg) = aorlab_sip::Message::parse(&text) {
            let mut reg = Registrar::new(aorlab_registrar::Profile::default(), conf(&alice("max_contacts=2")), T0);
            let rx = aorlab_registrar::Received::new(msg, aorlab_registrar::Addr::new("10.0.0.1", 5060), aorlab_registrar::Protocol::Tcp, Some(1), None);
            let _ = reg.on_register(T0, &rx);
        }
    }
}
