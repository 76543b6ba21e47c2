//! aorlab's simulated world: the scenario language, devices, NAT boxes,
//! connections and one Asterisk running the real registrar; the trace it produces.

pub mod advise;
pub mod compare;
mod duration;
pub mod edit;
mod incidents;
pub mod link;
mod nat;
mod parse;
mod presets;
mod scenario;
mod site;
mod trace;
mod world;

pub use duration::{clock, format_duration, parse_duration};
pub use incidents::state_words;
pub use parse::{parse, Diagnostic, Severity, ACTIONS, DEVICE_OPTS, NAT_OPTS, TOP_KEYWORDS};
pub use presets::{preset, Preset, DEMO_SCENARIO, PRESETS};
pub use scenario::*;
pub use site::{site_scenario, SiteSpec, MAX_SITE_NATS};
pub use trace::*;
pub use world::{Progress, Run, World, ASTERISK_IP, DELAY_MS, EPOCH_MS};

/// Parse and run a scenario. Errors (with line:column) stop the run; warnings
/// travel in `Trace::warnings`.
pub fn run_text(text: &str) -> Result<Trace, Vec<Diagnostic>> {
    Ok(Run::new(text)?.finish())
}
