//! The capture import for the page, as a wasm module of its own: the pcap and
//! packet layers (~70 KB gzip) load only when someone imports, not with the
//! playground. A thin façade over `aorlab_capture::report::import`.

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What [`import_capture`] returns: the report, or why the input could not be read.
#[derive(Serialize)]
#[serde(untagged)]
enum ImportOutcome {
    Ok {
        ok: bool,
        report: Box<aorlab_capture::report::Report>,
    },
    Err {
        ok: bool,
        error: aorlab_capture::ImportError,
    },
}

/// Imports an Asterisk log or a pcap/pcapng (bytes), with an optional pjsip.conf and release,
/// and what-if changes (`aorlab run --set` syntax, need the conf).
/// Returns `{ ok: true, report }` or `{ ok: false, error: { place, message, hint } }`.
#[wasm_bindgen]
pub fn import_capture(
    bytes: &[u8],
    conf: Option<String>,
    release: Option<String>,
    anonymise: bool,
    sets: Vec<String>,
) -> Result<JsValue, JsError> {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(console_error_panic_hook::set_once);
    let req = aorlab_capture::report::Request {
        conf: conf.as_deref().filter(|c| !c.trim().is_empty()),
        release: release.as_deref(),
        anonymise,
        sets: &sets,
    };
    let outcome = match aorlab_capture::report::import(bytes, &req) {
        Ok(report) => ImportOutcome::Ok {
            ok: true,
            report: Box::new(report),
        },
        Err(error) => ImportOutcome::Err { ok: false, error },
    };
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    outcome.serialize(&serializer).map_err(|e| {
        JsError::new(&format!(
            "aorlab: could not hand the import to the page: {e}"
        ))
    })
}
