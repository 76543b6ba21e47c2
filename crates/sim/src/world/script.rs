//! The scenario's timed actions: register, reboot, roam, drop, NAT reboot/rebind,
//! Asterisk restart/reload, dial.

use super::*;

impl World {
    pub(super) fn device_names(&self, names: &[String]) -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| self.by_name.get(n).copied())
            .collect()
    }

    pub(super) fn scenario_event(&mut self, k: usize) {
        let ev = self.sc.events[k].clone();
        match ev.action {
            Action::Register { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].wants = true;
                    self.devs[i].retry_ms = None;
                    self.devs[i].phase = Phase::Registering;
                    self.start_keepalive(i);
                    self.send_register(i, Kind::Register);
                }
            }
            Action::Unregister { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].gen += 1;
                    self.send_register(i, Kind::Unregister);
                    self.devs[i].wants = false;
                    self.devs[i].phase = Phase::Idle;
                }
            }
            Action::UnregisterAll { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].gen += 1;
                    self.send_register(i, Kind::UnregisterAll);
                    self.devs[i].wants = false;
                    self.devs[i].phase = Phase::Idle;
                }
            }
            Action::Reboot { devices } => {
                for i in self.device_names(&devices) {
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record(
                        RecordKind::Device,
                        &name,
                        "reboots (new Call-ID, new connection, new rinstance)".into(),
                    );
                    r.devices = vec![name];
                    r.phone = Some(PhoneEvent::Resumed);
                    self.close_conn(i, "device reboot", true);
                    self.new_identity(i);
                    self.devs[i].gen += 1;
                    self.devs[i].online = true;
                    self.routes_moved();
                    self.devs[i].wants = true;
                    self.devs[i].retry_ms = None;
                    self.devs[i].phase = Phase::Registering;
                    self.start_keepalive(i);
                    self.schedule(self.now + 2000, Ev::Send(i, Kind::Register));
                }
            }
            Action::Roam { device, ip, port } => {
                if let Some(i) = self.device_names(&[device]).first().copied() {
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record(RecordKind::Device, &name, format!("moves to {ip}:{port}"));
                    r.devices = vec![name];
                    self.close_conn(i, "address changed", false);
                    self.devs[i].cause = Some(Cause::Moved {
                        address: format!("{ip}:{port}"),
                    });
                    self.readdress(i, ip_of(&ip));
                    self.devs[i].ip = ip;
                    self.devs[i].port = port;
                    self.routes_moved();
                    if self.devs[i].wants {
                        self.devs[i].gen += 1;
                        self.send_register(i, Kind::Register);
                    }
                }
            }
            Action::Offline { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].online = false;
                    self.routes_moved();
                    self.devs[i].gen += 1;
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record(RecordKind::Device, &name, "goes offline".into());
                    r.devices = vec![name];
                }
            }
            Action::Online { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].online = true;
                    self.routes_moved();
                    let name = self.devs[i].spec.name.clone();
                    let wants = self.devs[i].wants;
                    let r = self.record(RecordKind::Device, &name, "comes back online".into());
                    r.devices = vec![name];
                    if wants {
                        r.phone = Some(PhoneEvent::Resumed);
                        self.devs[i].gen += 1;
                        if self.devs[i].phase == Phase::GaveUp {
                            self.devs[i].phase = Phase::Registering;
                        }
                        self.send_register(i, Kind::Register);
                    }
                }
            }
            Action::Drop { devices } => {
                for i in self.device_names(&devices) {
                    if self.devs[i].conn.is_none() {
                        let name = self.devs[i].spec.name.clone();
                        let r = self.record(
                            RecordKind::Connection,
                            &name,
                            "has no open connection to drop (UDP or not connected)".into(),
                        );
                        r.devices = vec![name];
                        continue;
                    }
                    self.close_conn(i, "dropped", true);
                    if self.devs[i].wants {
                        self.devs[i].gen += 1;
                        self.schedule(self.now + 1000, Ev::Send(i, Kind::Register));
                    }
                }
            }
            Action::NatReboot { nat } => {
                if let Some(n) = self.nats.iter_mut().find(|n| n.spec.name == nat) {
                    n.reboot();
                }
                let inside: Vec<usize> = (0..self.devs.len())
                    .filter(|&i| self.devs[i].spec.behind.as_deref() == Some(nat.as_str()))
                    .collect();
                let names: Vec<String> = inside
                    .iter()
                    .map(|&i| self.devs[i].spec.name.clone())
                    .collect();
                let r = self.record(
                    RecordKind::Nat,
                    &nat,
                    "reboots: every mapping is forgotten".into(),
                );
                r.why = Some(
                    "Packets from inside get new public ports; answers to old ports go nowhere."
                        .into(),
                );
                r.nat = Some(NatEvent::Reboot);
                r.devices = names;
                for i in inside {
                    self.devs[i].cause = Some(Cause::NatReboot { nat: nat.clone() });
                    if self.devs[i].spec.protocol.is_reliable() {
                        // The connection silently dies; Asterisk does not see a FIN.
                        self.close_conn(i, "NAT reboot", false);
                    }
                }
            }
            Action::NatRebind { nat, device } => {
                if let Some(i) = self
                    .device_names(std::slice::from_ref(&device))
                    .first()
                    .copied()
                {
                    if let Some(ni) = self.nats.iter().position(|n| n.spec.name == nat) {
                        let key = self.map_key(ni, i);
                        let (old, p) = self.nats[ni].rebind(key, self.now);
                        self.schedule_idle_check(ni, key, self.now);
                        self.devs[i].cause = Some(Cause::NatRebind {
                            nat: nat.clone(),
                            new_port: p,
                        });
                        let r = self.record(
                            RecordKind::Nat,
                            &nat,
                            format!(
                                "rebinds {device}: public port {} → {p}",
                                old.map(|o| o.to_string()).unwrap_or("-".into())
                            ),
                        );
                        r.devices = vec![device.clone()];
                        r.nat = Some(NatEvent::Rebind {
                            device,
                            old_port: old,
                            new_port: p,
                        });
                    }
                }
            }
            Action::Restart { crash, down_ms } => {
                let r = self.record(
                    RecordKind::Asterisk,
                    "asterisk",
                    format!(
                        "{} (down for {})",
                        if crash { "crashes" } else { "restarts" },
                        crate::duration::format_duration(down_ms)
                    ),
                );
                r.why = Some(
                    "Bindings persist in astdb; qualify status and connection monitors are lost."
                        .into(),
                );
                self.reg.on_stop(self.abs());
                self.watch.all = true;
                self.answered.clear();
                for i in 0..self.devs.len() {
                    if self.devs[i].conn.is_some() {
                        self.close_conn(i, "Asterisk stopped", false);
                        if self.devs[i].wants {
                            self.devs[i].gen += 1;
                            self.schedule(self.now + 1000, Ev::Send(i, Kind::Register));
                        }
                    }
                }
                self.schedule(self.now + down_ms, Ev::AsteriskUp);
            }
            Action::Reload { config, .. } => {
                let out = self.reg.on_reload(self.abs(), *config);
                self.watch.all = true;
                let r = self.record(
                    RecordKind::Asterisk,
                    "asterisk",
                    "pjsip reload with the new configuration".into(),
                );
                r.why = Some(
                    "Existing bindings stay; the new limits apply to the next REGISTER.".into(),
                );
                self.apply_outcome(out, None);
            }
            Action::Dial { endpoint } => {
                let now = self.abs();
                let value = self.reg.dial_contacts(now, &endpoint, None, None);
                // The read deleted the AOR's expired bindings: on the record first.
                for c in self.reg.take_read_changes() {
                    self.note_change(c, None);
                }
                match value {
                    Ok(v) => {
                        let mut ring = Vec::new();
                        let mut dead = 0;
                        for part in v.split('&').filter(|p| !p.is_empty()) {
                            let uri = part.splitn(3, '/').nth(2).unwrap_or("");
                            match self.route_uri(uri) {
                                Some(i) => ring.push(self.devs[i].spec.name.clone()),
                                None => dead += 1,
                            }
                        }
                        let who = if ring.is_empty() {
                            "nobody".to_string()
                        } else {
                            ring.join(", ")
                        };
                        let r = self.record(
                            RecordKind::Dial,
                            "asterisk",
                            format!(
                                "Dial {endpoint}: rings {who}{}",
                                if dead > 0 {
                                    format!(
                                        " ({dead} stale binding{} ring{} nothing)",
                                        if dead == 1 { "" } else { "s" },
                                        if dead == 1 { "s" } else { "" }
                                    )
                                } else {
                                    String::new()
                                }
                            ),
                        );
                        r.log = Some(format!(
                            "PJSIP_DIAL_CONTACTS({endpoint}) = {}",
                            if v.is_empty() { "(empty)" } else { &v }
                        ));
                        r.why = Some("PJSIP_DIAL_CONTACTS lists every binding that is not Unreachable, ordered by contact id (md5 of the URI), not by registration time; all of them ring at once.".into());
                        r.devices = ring;
                    }
                    Err(e) => {
                        let r = self.record(
                            RecordKind::Dial,
                            "asterisk",
                            format!("Dial {endpoint}: {e}"),
                        );
                        r.log = Some(format!("PJSIP_DIAL_CONTACTS: {e}"));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn with(action: &str) -> String {
        NAT_PAIR.replace("until 10m", &format!("{action}\nuntil 10m"))
    }

    #[test]
    fn a_nat_reboot_forgets_every_mapping_and_names_the_cause() {
        let run = run_until(&with("at 30s nat home reboot"), 30_000);
        let w = &run.world;
        let c = dev(w, "chatty");
        assert!(w.nats[0].map.is_empty());
        assert_eq!(w.target_of(c), None);
        assert_eq!(
            w.devs[c].cause,
            Some(Cause::NatReboot { nat: "home".into() })
        );
        let r = w
            .records
            .iter()
            .find(|r| r.at_ms == 30_000 && r.kind == RecordKind::Nat)
            .unwrap();
        assert_eq!(r.nat, Some(NatEvent::Reboot));
        assert_eq!(r.devices, ["quiet", "chatty"]);
    }

    #[test]
    fn an_offline_phone_sends_nothing_until_it_is_back() {
        let text = with("at 30s offline chatty\nat 5m online chatty");
        let run = run_until(&text, 299_000);
        let w = &run.world;
        let c = dev(w, "chatty");
        assert!(!w.devs[c].online);
        let sent_offline = w
            .records
            .iter()
            .filter(|r| r.at_ms > 30_000 && r.actor == "chatty" && r.kind == RecordKind::Sip)
            .count();
        assert_eq!(sent_offline, 0);
        let run = run_until(&text, 301_000);
        assert!(run.world.devs[c].online);
        assert_eq!(run.world.devs[c].phase, Phase::Registered);
    }
}
