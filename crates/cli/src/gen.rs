//! `aorlab gen site`: write a whole-site scenario (the scale figures in README
//! are measured on these).

use aorlab_sim::{site_scenario, SiteSpec};

pub const GEN_USAGE: &str =
    "usage: aorlab gen site --phones N [--nats M] [--hours H] [--qualify S] [--seed X]";

/// The scenario text, or (exit code, message).
pub fn main_gen(args: &[String]) -> Result<String, (u8, String)> {
    let bad = |m: String| (2u8, format!("aorlab gen: {m}\n{GEN_USAGE}"));
    if args.first().map(String::as_str) != Some("site") {
        return Err(bad("the only generator is 'site'".into()));
    }
    let mut spec = SiteSpec {
        phones: 0,
        nats: 20,
        hours: 24,
        qualify_s: 60,
        seed: 1,
    };
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| bad(format!("{flag} needs a number")))?;
        let num = |what: &str| {
            value
                .parse::<u64>()
                .map_err(|_| bad(format!("{what} takes a whole number, not '{value}'")))
        };
        match flag.as_str() {
            "--phones" => spec.phones = num("--phones")? as usize,
            "--nats" => spec.nats = num("--nats")? as usize,
            "--hours" => spec.hours = num("--hours")?.min(u64::from(u32::MAX)) as u32,
            "--qualify" => spec.qualify_s = num("--qualify")?.min(u64::from(u32::MAX)) as u32,
            "--seed" => spec.seed = num("--seed")?,
            other => return Err(bad(format!("unknown option '{other}'"))),
        }
    }
    spec.check().map_err(bad)?;
    Ok(site_scenario(&spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn writes_a_scenario_that_runs() {
        let text = main_gen(&args("site --phones 5 --nats 2 --hours 1 --qualify 30")).unwrap();
        assert!(text.contains("qualify_frequency = 30"));
        let t = aorlab_sim::run_text(&text).expect("generated text parses");
        assert_eq!(t.devices.len(), 5);
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let e = main_gen(&args("site --phones x")).unwrap_err();
        assert!(e.1.contains("--phones takes a whole number"), "{}", e.1);
        assert!(main_gen(&args("site --nats 2")).is_err()); // no phones
        assert!(main_gen(&args("city --phones 2")).is_err());
        assert!(main_gen(&args("site --phones 2 --colour red")).is_err());
    }
}
