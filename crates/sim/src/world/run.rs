//! The event loop: pop the next event, let its actor handle it, let the
//! observers write down what changed; stepping (`Run`) so a page can show
//! progress and cancel.

use super::*;
use serde::Serialize;

impl World {
    // ---------------------------------------------------------------- main loop

    /// Let the event's actor handle it. `false`: it only stood in for a later
    /// one (a re-armed idle check) and does not count as an event.
    pub(super) fn handle(&mut self, ev: Ev) -> bool {
        match ev {
            Ev::Scenario(k) => self.scenario_event(k),
            Ev::Send(i, kind) => self.send_register(i, kind),
            Ev::Arrive(i, tx, src) => self.arrive(i, tx, src),
            Ev::Retransmit(tx_id) => self.retransmit(tx_id),
            Ev::TimerF(tx_id) => self.timer_f(tx_id),
            Ev::Reply(tx, resp, dst) => self.reply(tx, &resp, dst),
            Ev::Refresh(i, gen) | Ev::Retry(i, gen) => self.refresh(i, gen),
            Ev::KeepAlive(i, gen) => self.keepalive_due(i, gen),
            Ev::Tick => {
                if self.reg.next_wakeup().is_some_and(|t| t <= self.abs()) {
                    let out = self.reg.on_tick(self.abs());
                    self.apply_outcome(out, None);
                }
            }
            Ev::OptionsDone(sent) => self.options_done(sent),
            Ev::NatCheck => {}
            Ev::NatExpire(ni, key, seq) => return self.idle_check_due(ni, key, seq),
            Ev::AsteriskUp => self.asterisk_up(),
        }
        true
    }

    /// Run to the end and produce the trace.
    pub fn run(self, warnings: Vec<crate::Diagnostic>) -> Trace {
        self.start(warnings).finish()
    }

    /// Begin a run that advances step by step ([`Run::advance`]).
    pub fn start(mut self, warnings: Vec<crate::Diagnostic>) -> Run {
        let until = self.sc.until;
        self.evaluate();
        Run {
            world: self,
            warnings,
            cursor: Cursor {
                until,
                events: 0,
                work: 0,
                cut: None,
            },
            done: false,
        }
    }

    /// Handle one popped event and write down what it changed. `false`: the run
    /// is over (queue empty, past `until`).
    fn step(&mut self, run: &mut Cursor) -> bool {
        let Some((at, _, idx)) = self.queue.pop() else {
            return false;
        };
        if at > run.until {
            return false;
        }
        self.now = at;
        run.events += 1;
        run.work += 1;
        let Some(ev) = self.events[idx].take() else {
            return true;
        };
        self.free_slots.push(idx);
        let nrec = self.records.len();
        let recheck = matches!(ev, Ev::NatCheck);
        self.activity = false;
        if !self.handle(ev) {
            run.events -= 1;
            run.work -= 1;
        }
        run.work += std::mem::take(&mut self.uncounted);
        self.touch_recorded(nrec);
        // Nothing happened (a cancelled timer): nothing to re-evaluate.
        if !self.activity && !recheck {
            return true;
        }
        // Expiry is lazy: make what is written down at this instant reflect it.
        self.evaluate();
        run.work += self.watch.work;
        if run.work > self.budget {
            run.cut = Some(Cut::Work);
            return false;
        }
        if self.records.len() > self.record_budget {
            run.cut = Some(Cut::Records);
            return false;
        }
        true
    }

    /// Close the books at `until` and produce the trace.
    fn into_trace(mut self, until: SimMs, warnings: Vec<crate::Diagnostic>) -> Trace {
        self.now = until;
        // Exchanges still in flight when the run ends are written as they stand.
        for tx in self.routine.in_flight() {
            self.flush(tx);
        }
        self.evaluate();
        let final_state = self.snapshot(&self.route_index());
        for (i, r) in self.reach.clone().into_iter().enumerate() {
            if let Some((from, s, cause)) = r {
                if until > from {
                    self.spans.push(Span {
                        device: self.devs[i].spec.name.clone(),
                        from_ms: from,
                        to_ms: until,
                        state: s,
                        cause,
                    });
                }
            }
        }
        self.spans
            .sort_by(|a, b| a.device.cmp(&b.device).then(a.from_ms.cmp(&b.from_ms)));
        // The per-phone summary is read from the trace itself: the spans and the phones'
        // typed records (incidents.rs), not from the world's own state.
        let names: Vec<&str> = self.devs.iter().map(|d| d.spec.name.as_str()).collect();
        let phones = phone_facts(&self.records, &names);
        let devices = summarize(&phones, &self.spans, until, &Silences::new(&self.sc));
        let summary = devices.iter().map(|d| d.line.clone()).collect();
        let routine = self.routine.summary(&self.book.log.devices);
        Trace {
            title: self.sc.title.clone(),
            lesson: self.sc.lesson.clone(),
            version: self.sc.version_text.clone(),
            end_ms: until,
            epoch_ms: EPOCH_MS,
            records: self.records,
            final_state,
            state_log: self.book.log,
            bindings: self.lives,
            reachability: self.spans,
            counts: self.counts,
            routine,
            devices,
            summary,
            warnings,
        }
    }
}

/// Where a stepping run stands (the loop's own bookkeeping).
struct Cursor {
    until: SimMs,
    events: u64,
    /// Deterministic work budget: events handled plus what the observers looked
    /// at again (devices, AOR rows, addresses), so far.
    work: u64,
    /// Which budget stopped the run, if one did.
    cut: Option<Cut>,
}

/// The guard that stopped a run before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// [`WORK_BUDGET`]: events and re-reads.
    Work,
    /// [`RECORD_BUDGET`]: records written in full.
    Records,
}

/// How far a run has come: for a progress bar (and a cancel button between steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    /// Simulated time reached.
    pub at_ms: SimMs,
    /// Where the run ends (`until`, or where the work budget cut it).
    pub until_ms: SimMs,
    /// Events handled so far.
    pub events: u64,
    /// Nothing is left to run: `finish` returns at once.
    pub done: bool,
}

/// A run in progress. `advance` runs a bounded number of events, so a caller
/// (the page's worker) can report progress and stop between calls; `finish`
/// runs what is left and produces the trace.
pub struct Run {
    pub(super) world: World,
    warnings: Vec<crate::Diagnostic>,
    cursor: Cursor,
    done: bool,
}

impl Run {
    /// Parse `text` and get ready to run it. Errors (with line:column) stop here.
    pub fn new(text: &str) -> Result<Run, Vec<crate::Diagnostic>> {
        let (sc, warnings) = crate::parse(text)?;
        Ok(World::new(sc).start(warnings))
    }

    /// Handle up to `max_events` events.
    pub fn advance(&mut self, max_events: u32) -> Progress {
        for _ in 0..max_events {
            if self.done {
                break;
            }
            if !self.world.step(&mut self.cursor) {
                self.stop();
            }
        }
        self.progress()
    }

    /// The work counted so far against the budget (events handled plus what the
    /// observers looked at again).
    pub fn work(&self) -> u64 {
        self.cursor.work
    }

    pub fn progress(&self) -> Progress {
        Progress {
            at_ms: self.world.now,
            until_ms: self.cursor.until,
            events: self.cursor.events,
            done: self.done,
        }
    }

    /// The loop is over: if the work budget cut it, say where (a warning, with the
    /// partial result kept), and end the run there.
    fn stop(&mut self) {
        self.done = true;
        let Some(cut) = self.cursor.cut else {
            return;
        };
        let w = &self.world;
        let (why, hint) = match cut {
            Cut::Work => (
                format!(
                    "{} phones over this long need more work than the playground allows",
                    w.devs.len()
                ),
                "shorten 'until', or try the same with fewer phones",
            ),
            Cut::Records => (
                format!(
                    "it had written {} records, more than one run keeps ({}; routine refreshes and qualifies are only counted, these are exchanges that went wrong)",
                    grouped(w.records.len()),
                    grouped(w.record_budget),
                ),
                "see in the summary why the phones keep failing (e.g. a NAT that forgets idle mappings before the next packet), or shorten 'until'",
            ),
        };
        self.warnings.push(crate::Diagnostic {
            line: 1,
            col: 1,
            end_col: 2,
            severity: crate::Severity::Warning,
            message: format!(
                "the simulation stopped at {} of {}: {why}",
                clock(w.now),
                clock(self.cursor.until),
            ),
            hint: Some(hint.into()),
            follow_ons: Vec::new(),
        });
        self.cursor.until = w.now;
    }

    /// Run whatever is left and produce the trace.
    pub fn finish(mut self) -> Trace {
        while !self.done {
            self.advance(u32::MAX);
        }
        self.world.into_trace(self.cursor.until, self.warnings)
    }
}

/// `n` with its digits in groups of three: 500,267.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn counts_are_grouped_by_three_digits() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (500_267, "500,267"),
        ];
        for (n, text) in cases {
            assert_eq!(grouped(n), text);
        }
        assert_eq!(grouped(12_345_678), "12,345,678");
    }

    #[test]
    fn advancing_in_steps_gives_the_same_trace_as_one_run() {
        let mut run = Run::new(NAT_PAIR).unwrap();
        let mut last = run.progress();
        assert!(!last.done);
        assert_eq!(last.until_ms, 600_000);
        while !last.done {
            let p = run.advance(7);
            assert!(p.at_ms >= last.at_ms, "time never goes back");
            assert!(p.events <= last.events + 7, "at most 7 events a step");
            last = p;
        }
        let stepped = run.finish();
        assert_eq!(stepped, Run::new(NAT_PAIR).unwrap().finish());
        assert_eq!(stepped.end_ms, 600_000);
    }

    #[test]
    fn a_run_cut_by_the_work_budget_is_done_with_a_warning_and_its_partial_trace() {
        let (sc, w) = crate::parse(NAT_PAIR).unwrap();
        let mut run = World::new(sc).with_work_budget(50).start(w);
        let p = run.advance(u32::MAX);
        assert!(p.done);
        assert!(p.until_ms < 600_000, "cut short: {p:?}");
        let t = run.finish();
        assert_eq!(t.end_ms, p.until_ms);
        assert_eq!(t.warnings.len(), 1);
        assert!(t.warnings[0].message.contains("stopped at"));
        assert!(!t.records.is_empty(), "the partial result is kept");
    }

    #[test]
    fn a_run_that_writes_too_many_records_stops_with_a_warning_and_keeps_them() {
        let (sc, w) = crate::parse(NAT_PAIR).unwrap();
        let whole = World::new(sc.clone()).start(w.clone()).finish();
        let budget = whole.records.len() / 2;
        let mut run = World::new(sc).with_record_budget(budget).start(w);
        let p = run.advance(u32::MAX);
        assert!(p.done && p.until_ms < 600_000, "cut short: {p:?}");
        let t = run.finish();
        assert_eq!(t.end_ms, p.until_ms);
        // It stops at the first event that passes the budget: what that event
        // wrote is kept whole, and nothing after it.
        assert!(t.records.len() > budget && t.records.len() < whole.records.len());
        assert_eq!(t.records[..budget], whole.records[..budget]);
        assert_eq!(t.warnings.len(), 1);
        let m = &t.warnings[0].message;
        assert!(m.starts_with("the simulation stopped at "), "{m}");
        let kept = format!("it had written {} records", grouped(t.records.len()));
        assert!(m.contains(&kept), "{m}");
        assert!(
            m.contains(&format!("more than one run keeps ({budget};")),
            "{m}"
        );
        assert!(t.warnings[0].hint.as_deref().unwrap().contains("summary"));
    }
}
