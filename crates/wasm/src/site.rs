//! The generated site (`aorlab gen site`), for the page's tests and timing run: the same text
//! the CLI writes, so a figure measured in the browser can be rerun natively.

use wasm_bindgen::prelude::*;

use aorlab_sim as sim;

/// `aorlab gen site --phones N --nats M --hours H` (qualify 60 s, seed 1).
#[wasm_bindgen]
pub fn site_scenario(phones: u32, nats: u32, hours: u32) -> String {
    crate::install_panic_hook();
    sim::site_scenario(&sim::SiteSpec {
        phones: phones.max(1) as usize,
        nats: (nats as usize).clamp(1, sim::MAX_SITE_NATS),
        hours: hours.max(1),
        qualify_s: 60,
        seed: 1,
    })
}
