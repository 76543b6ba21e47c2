//! What the world writes down as it goes: who is reachable, how many bindings
//! each AOR holds, and the state snapshots the page moves its cursor over.

use super::*;

impl World {
    // ---------------------------------------------------------------- derived state

    pub(super) fn snapshot(&self, idx: &HashMap<Target, usize>) -> State {
        let now = self.abs();
        let mut contacts = Vec::new();
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            contacts.push(ContactRow {
                aor: b.aor.clone(),
                uri: b.uri.clone(),
                expires_in_s: b.expires_in_ms(now) / 1000,
                expires_at_ms: self.now + b.expires_in_ms(now).max(0) as SimMs,
                status: self.reg.status_of(&b.id).label().to_string(),
                reaches: self
                    .route_uri_in(idx, &b.uri)
                    .map(|i| self.devs[i].spec.name.clone()),
            });
        }
        let (dial, dial_targets) = self.dial_view(idx);
        let show_contacts = self.reg.show_contacts_at(now);
        State {
            at_ms: self.now,
            contacts,
            show_contacts,
            dial,
            dial_targets,
        }
    }

    /// PJSIP_DIAL_CONTACTS of every endpoint as the registrar's view answers it
    /// now (without the read's lazy deletion): the string and one target a binding.
    fn dial_view(&self, idx: &HashMap<Target, usize>) -> (Vec<(String, String)>, Vec<DialTarget>) {
        let now = self.abs();
        let (mut dial, mut targets) = (Vec::new(), Vec::new());
        for ep in self.reg.config().endpoints.values() {
            let mut parts = Vec::new();
            for a in &ep.aors {
                for row in self.reg.rows_at(now, Some(a)) {
                    if row.status == Status::Unreachable {
                        continue;
                    }
                    parts.push(format!("PJSIP/{}/{}", ep.name, row.uri));
                    targets.push(DialTarget {
                        endpoint: ep.name.clone(),
                        aor: row.aor,
                        reaches: self
                            .route_uri_in(idx, &row.uri)
                            .map(|i| self.devs[i].spec.name.clone()),
                        uri: row.uri,
                    });
                }
            }
            dial.push((ep.name.clone(), parts.join("&")));
        }
        (dial, targets)
    }

    /// Device `i`'s state is now `state`: close its span, open the next (with the
    /// cause as it stands) and say so.
    pub(super) fn set_reach(&mut self, i: usize, state: Reach) {
        {
            if self.reach[i].as_ref().is_some_and(|(_, s, _)| *s == state) {
                return;
            }
            let name = self.devs[i].spec.name.clone();
            if let Some((from, s, cause)) = self.reach[i].take() {
                if self.now > from {
                    self.spans.push(Span {
                        device: name.clone(),
                        from_ms: from,
                        to_ms: self.now,
                        state: s,
                        cause,
                    });
                }
            }
            let cause = state.is_trouble().then(|| {
                let d = &self.devs[i];
                match (&d.cause, state) {
                    (Some(c), _) => c.clone(),
                    // A registered phone's binding vanished with no removal logged:
                    // it expired before the refresh arrived.
                    (None, Reach::Unregistered) => Cause::BindingRemoved {
                        reason: "expired".into(),
                    },
                    _ => Cause::Unknown,
                }
            });
            // The first REGISTER on its way is not news.
            if state != Reach::Registering && (self.now > 0 || state != Reach::Idle) {
                let why = match (state, &cause) {
                    (Reach::Reachable, _) => {
                        "Asterisk holds a binding that leads to this phone: calls reach it."
                            .to_string()
                    }
                    (Reach::Stale, Some(c)) => format!(
                        "Asterisk still holds this phone's binding, but it leads nowhere: {}.",
                        c.text()
                    ),
                    (Reach::GaveUp, Some(c)) => format!(
                        "The phone stopped trying after a failure ({}); no binding leads to it.",
                        c.text()
                    ),
                    (Reach::Unregistered, Some(c)) => {
                        format!("No binding leads to this phone: {}.", c.text())
                    }
                    (Reach::Offline, _) => "The phone is offline.".to_string(),
                    (Reach::Idle, _) => "The phone is not asked to register.".to_string(),
                    _ => "The phone's REGISTER is on its way.".to_string(),
                };
                let text = match state {
                    Reach::GaveUp => format!("{name} gave up: not registered"),
                    Reach::Stale => {
                        format!("{name} is now unreachable (registered, stale binding)")
                    }
                    s => format!("{name} is now {}", state_words(s)),
                };
                let r = self.record(RecordKind::Reachability, &name, text);
                r.why = Some(why);
                r.devices = vec![name];
            }
            self.reach[i] = Some((self.now, state, cause));
        }
    }

    /// Every phone's state computed from scratch (every binding, every device):
    /// what the incremental observers must always agree with.
    #[cfg(test)]
    pub(super) fn reach_from_scratch(&self) -> Vec<Reach> {
        let idx = self.route_index();
        let now = self.abs();
        let n = self.devs.len();
        let (mut reached, mut owns) = (vec![false; n], vec![false; n]);
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            if let Some(i) = self.route_uri_in(&idx, &b.uri) {
                reached[i] = true;
            } else if let Some(j) = self.owner_of(&b.aor, &b.uri) {
                owns[j] = true;
            }
        }
        (0..n)
            .map(|i| {
                let d = &self.devs[i];
                match d.phase {
                    _ if !d.online => Reach::Offline,
                    _ if reached[i] => Reach::Reachable,
                    Phase::Idle => Reach::Idle,
                    Phase::GaveUp => Reach::GaveUp,
                    Phase::Failed => Reach::Unregistered,
                    _ if owns[i] => Reach::Stale,
                    Phase::Registering => Reach::Registering,
                    Phase::Registered => Reach::Unregistered,
                }
            })
            .collect()
    }

    /// Life `k` was refreshed by `c`: one more refresh, and it now ends where `c`'s
    /// grant does.
    pub(super) fn life_refreshed(&mut self, k: usize, c: &Change) {
        let l = &mut self.lives[k];
        l.refreshes += 1;
        l.expires_ms = grant_end(c);
    }

    /// A binding's life: opened by Added, extended by Refreshed, closed by Removed.
    /// Open lives are indexed by AOR, then URI: a refresh finds its life at once,
    /// without building a key.
    pub(super) fn note_life(&mut self, c: &Change, device: Option<String>) {
        match c.kind {
            ChangeKind::Added => {
                let k = self.lives.len();
                let open = self.slots.entry(SharedKey::of(&c.aor)).or_default();
                open.entry(SharedKey::of(&c.uri)).or_default().life = Some(k);
                self.lives.push(BindingLife {
                    aor: c.aor.to_string(),
                    uri: c.uri.to_string(),
                    port: Uri::parse(&c.uri).ok().and_then(|u| u.port),
                    device,
                    added_ms: self.now,
                    removed_ms: None,
                    ended_by: EndedBy::Present,
                    end_why: None,
                    expires_ms: grant_end(c),
                    expired_ms: None,
                    refreshes: 0,
                });
            }
            ChangeKind::Refreshed => {
                let slot = self.slot(&c.aor, &c.uri);
                if let Some(k) = slot.and_then(|s| s.life) {
                    self.life_refreshed(k, c);
                }
            }
            ChangeKind::Removed => {
                let open = self.slots.get_mut(&ByArc(&c.aor));
                let k = open.and_then(|m| {
                    let uri = ByArc(&c.uri);
                    let life = m.get_mut(&uri).and_then(|s| s.life.take());
                    // Owner and life both gone: so is the slot.
                    if m.get(&uri).is_some_and(|s| *s == Slot::default()) {
                        m.remove(&uri);
                    }
                    life
                });
                if let Some(k) = k {
                    let l = &mut self.lives[k];
                    l.removed_ms = Some(self.now);
                    l.ended_by = ended_by(&c.why);
                    l.end_why = Some(c.explain());
                    l.expired_ms = match c.why {
                        aorlab_registrar::Why::ExpiredOnRead { expired_at, .. } => {
                            Some(expired_at.saturating_sub(EPOCH_MS))
                        }
                        _ => None,
                    };
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn reachability_follows_the_nat_a_stale_binding_is_not_reachable() {
        let run = run_until(NAT_PAIR, 1_000);
        let w = &run.world;
        assert_eq!(w.reach_from_scratch(), [Reach::Reachable, Reach::Reachable]);
        assert_eq!(w.reach_of(0), Reach::Reachable);
        let run = run_until(NAT_PAIR, 90_000);
        let w = &run.world;
        assert_eq!(w.reach_from_scratch(), [Reach::Stale, Reach::Reachable]);
        assert_eq!(
            (w.reach_of(0), w.reach_of(1)),
            (Reach::Stale, Reach::Reachable)
        );
        let span = w
            .spans
            .iter()
            .find(|s| s.device == "quiet" && s.state == Reach::Reachable)
            .unwrap();
        assert!((60_000..61_000).contains(&span.to_ms), "{span:?}");
    }

    #[test]
    fn a_count_point_is_written_only_when_an_aors_count_moves() {
        let run = run_until(NAT_PAIR, 400_000);
        let w = &run.world;
        let quiet: Vec<u32> = w
            .counts
            .iter()
            .filter(|c| c.aor == "quiet")
            .map(|c| c.bindings)
            .collect();
        // 0 at the start, 1 once added; refreshes do not add points.
        assert_eq!(quiet, [0, 1]);
        let life = &w.lives[w.slots["chatty"][w.lives[1].uri.as_str()].life.unwrap()];
        assert!(life.refreshes >= 1, "{life:?}");
    }
}
