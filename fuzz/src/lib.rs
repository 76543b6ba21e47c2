//! What every fuzz target shares: the hang rule.
//!
//! libFuzzer's `-timeout` is wall-clock time, and on a shared machine (the campaign ran under
//! `nice -n 19` beside six builds) a 46 ms input once waited more than a second for a core.
//! So a hang is judged here on the thread's own CPU time: an input that returns after more
//! than [`HANG_CPU_S`] of CPU fails as a crash with its input saved. The wall-clock
//! `-timeout` (`cargo xtask fuzz --timeout`, 10 s) stays as the guard for inputs that never
//! return.

use std::time::Duration;

/// One input may cost at most this much CPU.
pub const HANG_CPU_S: f64 = 1.0;

/// CPU time used by the calling thread so far.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "no thread CPU clock");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs one input and fails if it cost more than [`HANG_CPU_S`] of CPU.
pub fn within_cpu_limit<T>(input: impl FnOnce() -> T) -> T {
    let start = thread_cpu();
    let out = input();
    let used = (thread_cpu() - start).as_secs_f64();
    assert!(
        used <= HANG_CPU_S,
        "a hang: this input took {used:.2} s of CPU (the limit is {HANG_CPU_S} s)"
    );
    out
}
