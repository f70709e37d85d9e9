//! `:pf [LOCAL:]REMOTE… [--address ADDR]` on a pod, Service or workload (a wider address than loopback is asked
//! first), and `:pf` alone: the list of running forwards (local → target, pod, bytes, connections, since), where one
//! is stopped. Port-forward is a write (`pods/portforward`): read-only refuses it.

use std::net::SocketAddr;

use super::session::WORKLOADS;
use super::{Mode, Notice, State, warning};
use crate::action::Action;
use crate::event::Effect;
use crate::model::forward::{ForwardArgs, ForwardEvent, ForwardRow, ForwardSpec};

impl State {
    /// `:pf` with ports starts forwards to the selection; alone, it opens the list.
    pub(super) fn forward_command(&mut self, args: &[&str]) {
        if args.is_empty() {
            self.mode = Mode::Forwards { selected: 0 };
            return;
        }
        if self.refuse_in_read_only("port-forward") {
            return;
        }
        let parsed = match ForwardArgs::parse(args) {
            Ok(parsed) => parsed,
            Err(usage) => return self.notice = Some(warning(usage)),
        };
        let target = match self.selected_address() {
            Some(a) if a.kind == "Pod" || a.kind == "Service" || WORKLOADS.contains(&a.kind.as_str()) => a,
            Some(a) => return self.notice = Some(warning(format!("pf: {} cannot be forwarded to", a.title()))),
            None => return self.notice = Some(warning("pf: select a pod, service or workload".into())),
        };
        let specs: Vec<ForwardSpec> = parsed
            .ports
            .iter()
            .map(|pair| {
                self.forward_ids += 1;
                ForwardSpec {
                    id: self.forward_ids,
                    target: target.clone(),
                    local: SocketAddr::new(parsed.address, pair.local),
                    remote: pair.remote.clone(),
                }
            })
            .collect();
        if parsed.widened() {
            let question = format!(
                "forward {} on {}: anyone who can reach this machine on that address reaches the pod. open it?",
                target.title(),
                parsed.address
            );
            return self.ask_to_send(question, None, Effect::Forward(specs), Mode::Normal);
        }
        self.notice = Some(Notice { error: false, text: format!("port-forward to {}: starting…", target.title()) });
        self.effects.push(Effect::Forward(specs));
    }

    /// A forward's report: its row appears when it starts opening, and a line worth hearing goes to the status bar.
    pub(super) fn absorb_forward(&mut self, id: u64, event: ForwardEvent) {
        if let ForwardEvent::Opening(spec) = event {
            self.forwards.push(ForwardRow::new(*spec, self.now));
            return;
        }
        let Some(row) = self.forwards.iter_mut().find(|f| f.spec.id == id) else { return };
        if let Some((error, text)) = row.absorb(event) {
            self.notice = Some(Notice { error, text });
        }
    }

    pub(super) fn act_in_forwards(&mut self, action: Action) {
        let Mode::Forwards { selected } = &mut self.mode else { return };
        let last = self.forwards.len().saturating_sub(1);
        match action {
            Action::Down => *selected = (*selected + 1).min(last),
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Top => *selected = 0,
            Action::Bottom => *selected = last,
            Action::StopForward => {
                let index = *selected;
                if index < self.forwards.len() {
                    let row = self.forwards.remove(index);
                    self.effects.push(Effect::StopForward(row.spec.id));
                    let to = row.listening.map_or_else(|| row.spec.local.to_string(), |a| a.to_string());
                    self.notice =
                        Some(Notice { error: false, text: format!("stopped {to} → {}", row.spec.target.title()) });
                }
                if let Mode::Forwards { selected } = &mut self.mode {
                    *selected = (*selected).min(self.forwards.len().saturating_sub(1));
                }
            }
            Action::Back => self.mode = Mode::Normal,
            _ => {}
        }
    }
}
