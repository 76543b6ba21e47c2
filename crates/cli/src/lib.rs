//! Library side of the `aorlab` command: the oracle replay lives here so tests
//! can call it directly.

pub mod compare;
pub mod gen;
pub mod import;
pub mod replay;
pub mod run;
