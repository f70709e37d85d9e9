//! How facts from outside change the state: watch deltas, metrics, events, fetched documents, effect outcomes, the
//! clock. Pure: everything arrives as an argument.

use std::collections::HashMap;

use super::table::{Delta, Table};
use super::triage::{self, TriageRow, Warnings};
use super::{DocStyle, Mode, Notice, State, pods, warning};
use crate::event::{Data, PodUsage};
use crate::model::pods::PodRow;

impl State {
    pub fn absorb(&mut self, data: Data) {
        match data {
            Data::Pods(mut delta) => {
                self.synced.insert("pods");
                // Watch updates carry no usage; keep the last metrics sample on them.
                for row in &mut delta.upserts {
                    row.usage = usage_of(&self.pod_usage, &row.id);
                    row.gpu_util = gpu_util_of(&self.pod_gpu_util, &row.id);
                    if let Some(image) = &row.pull_image {
                        row.registry = self.images.verdict(image, &row.why);
                        let node = self.node_rows.values().find(|n| n.id.name == row.node);
                        let platform = node.map(|n| n.platform.as_str()).filter(|p| !p.is_empty());
                        let check = self.images.want_check(image, platform, self.now);
                        self.effects.extend(check);
                    }
                }
                self.images.usage_stale = true;
                self.absorb_pods(delta);
            }
            Data::Metrics { pods, nodes } => {
                self.metrics_unavailable = None;
                let resort = pods::USAGE_COLUMNS.contains(&self.pods.sort.0);
                self.pods.update_each(resort, |p| {
                    let usage = usage_of(&pods, &p.id);
                    std::mem::replace(&mut p.usage, usage) != usage
                });
                self.pod_usage = pods;
                self.node_usage = nodes;
                self.node_lines_stale = true;
            }
            Data::MetricsUnavailable(why) => self.metrics_unavailable = Some(why),
            Data::Dcgm(scrape) => {
                self.gpus.absorb_scrape(scrape, self.now);
                let faults = self.gpus.fault_lines(&self.node_rows, self.now);
                self.triage.apply(faults);
                let util = self.gpus.pod_utilization();
                self.pods.update_each(self.pods.sort.0 == pods::GPU_COLUMN, |p| {
                    let now = gpu_util_of(&util, &p.id);
                    std::mem::replace(&mut p.gpu_util, now) != now
                });
                self.pod_gpu_util = util;
            }
            Data::Catalog { registry, repositories } => self.images.absorb_catalog(&registry, repositories),
            Data::Tags { registry, tags } => self.images.absorb_tags(&registry, tags),
            Data::Manifest { generation, detail } => self.images.absorb_manifest(generation, detail),
            Data::Samples(catalogue) => self.inference.absorb_samples(catalogue),
            Data::InferProgress { generation, progress } => self.inference.absorb_progress(generation, progress),
            Data::Inferred { generation, report } => {
                self.inference.absorb_done(generation, report);
            }
            Data::ImageChecked { image, verdict } => {
                self.images.absorb_check(&image, verdict, self.now);
                let images = &self.images;
                self.pods.update_each(false, |p| {
                    if p.pull_image.as_deref() != Some(image.as_str()) {
                        return false;
                    }
                    let said = images.verdict(&image, &p.why);
                    std::mem::replace(&mut p.registry, said.clone()) != said
                });
                self.triage_stale = true;
            }
            Data::LocalGpus(sample) => self.gpus.absorb_local(sample, self.now),
            Data::Nodes(delta) => {
                self.synced.insert("nodes");
                if delta.reset {
                    self.node_rows.clear();
                    self.triage_stale = true;
                }
                let mut triage = Delta::<TriageRow>::default();
                for uid in &delta.deletes {
                    self.node_rows.remove(uid);
                    triage::forget(&mut triage, uid);
                }
                for row in delta.upserts {
                    triage::track(&mut triage, &row.id.uid, triage::node_line(&row), &self.warning_events);
                    self.node_rows.insert(row.id.uid.clone(), row);
                }
                self.triage.apply(triage);
                self.node_lines_stale = true;
                self.fabric.nodes_changed();
            }
            Data::Workloads(kind, delta) => {
                self.synced.insert(kind.as_str());
                // Three sources share the table: a reset replaces only its own kind.
                let mut deletes = delta.deletes;
                if delta.reset {
                    deletes.extend(self.workloads.all().filter(|w| w.kind == kind).map(|w| w.id.uid.clone()));
                }
                let mut triage = Delta::default();
                for uid in &deletes {
                    triage::forget(&mut triage, uid);
                }
                for row in &delta.upserts {
                    triage::track(&mut triage, &row.id.uid, triage::workload_line(row), &self.warning_events);
                }
                self.workloads.apply(Delta { reset: false, upserts: delta.upserts, deletes });
                self.triage.apply(triage);
            }
            Data::Warnings(delta) => {
                self.fabric.warnings_arrived(&delta);
                let touched = self.warning_events.apply(delta, self.now);
                self.retrack_warnings(touched);
            }
            Data::SourceError { resource: "discovery", message } if self.browse.awaiting.is_some() => {
                self.resolve_awaited(Some(&message));
            }
            Data::Helm(data) => self.absorb_helm(data),
            Data::History(data) => self.absorb_history(data),
            Data::SourceError { resource, message } if resource.starts_with("helm") => {
                self.helm.failed(resource, message)
            }
            Data::SourceError { resource, message } => {
                self.notice = Some(Notice { error: true, text: format!("watching {resource}: {message} (retrying)") });
            }
            Data::Facts(facts) => self.fabric.absorb(facts),
            Data::VolumeStats { node, usage } => self.fabric.absorb_volume_stats(&node, usage),
            Data::ServerVersion(version) => self.fabric.server_version(&version),
            Data::Namespaces(names) => self.namespaces = names.into_iter().collect(),
            Data::Document { generation, .. } if generation != self.document_generation => {}
            Data::Document { title, text, yaml, .. } => match text {
                Ok(text) => {
                    self.notice = None;
                    let lines: Vec<String> = text.lines().map(crate::sanitize::clean).collect();
                    let secrets = if yaml { crate::manifest::secret_lines(&lines) } else { Vec::new() };
                    let style = if yaml { DocStyle::Yaml } else { DocStyle::Text };
                    self.mode = Mode::Document { title, lines, style, scroll: 0, secrets, reveal: false };
                }
                Err(why) => self.notice = Some(warning(format!("{title}: {why}"))),
            },
            Data::LogStream { generation, described } => {
                if let Some(l) = self.logs.as_mut().filter(|l| l.generation == generation) {
                    l.described = described;
                }
            }
            Data::LogLines { generation, lines } => {
                self.scan_for_verdict(generation, &lines);
                if let Some(l) = self.logs.as_mut().filter(|l| l.generation == generation) {
                    l.push(lines);
                }
            }
            Data::LogsSaved { path, lines, error } => {
                self.notice = Some(match error {
                    None => Notice { error: false, text: format!("saved {lines} lines to {path}") },
                    Some(e) => warning(format!("could not save to {path}: {e}")),
                });
            }
            Data::LogEnded { generation, why } => {
                self.validation_log_ended(generation, &why);
                if let Some(l) = self.logs.as_mut().filter(|l| l.generation == generation) {
                    l.ended = Some(why);
                }
            }
            Data::Connected { context } => {
                self.read_only = self.always_read_only || self.read_only_contexts.contains(&context);
                // Nothing asked of the old cluster may go to the new one: open questions close, fetches and
                // applies in flight are dropped, rollouts are no longer followed. The editor keeps its text.
                if matches!(self.mode, Mode::Scale(_) | Mode::Confirm(_)) {
                    self.mode = if self.editor.is_some() { Mode::Editor } else { Mode::Normal };
                }
                if let Some(editor) = self.editor.as_mut() {
                    editor.abandon_run();
                }
                self.document_generation += 1;
                self.rollouts.clear();
                self.forget_validation();
                self.resources.clear();
                self.kinds.clear();
                self.title = context.clone();
                self.triage = Table::sorted_by(0, false);
                self.nodes = Table::default();
                self.pods = Table::sorted_by(0, false);
                self.workloads = Table::default();
                self.node_rows.clear();
                self.gpus_by_node.clear();
                self.gpus.forget_cluster();
                self.pod_gpu_util.clear();
                self.warning_events = Warnings::default();
                self.fabric = super::fabric::Fabric::default();
                self.synced.clear();
                self.namespaces.clear();
                self.namespace = None;
                // The generic view lists the same resource on the new cluster (its watch went with the old client).
                if let Some(listing) = self.browse.listing.clone() {
                    let warnings_only = listing.field_selector.is_some();
                    let effect = self.browse.open(listing.resource, None, warnings_only);
                    self.effects.push(effect);
                }
                self.notice = Some(Notice { error: false, text: format!("connected to {context}") });
            }
            Data::Kinds(resources) => {
                self.kinds = resources.iter().map(|r| (r.api_version.clone(), r.kind.clone())).collect();
                self.resources = resources;
                self.resolve_awaited(None);
            }
            Data::Browse { generation, update } => {
                let known = crate::views::Known { fabric: &self.fabric, pods: &self.pods, now: self.now };
                self.browse.absorb(generation, update, &known);
            }
            Data::EditText { generation, .. } | Data::ExternalEdited { generation, .. }
                if generation != self.document_generation => {}
            Data::EditText { title, text, external, .. } => self.absorb_edit_text(title, text, external),
            Data::ExternalEdited { text, .. } => self.absorb_external_edit(text),
            Data::Applied { generation, outcome } => self.absorb_applied(generation, outcome),
            Data::Mutated { uid, what, error } => {
                self.notice = Some(match error {
                    None => Notice { error: false, text: format!("{what}: sent") },
                    Some(e) => {
                        self.rollouts.retain(|r| r.uid != uid);
                        warning(format!("{what}: {e}"))
                    }
                });
            }
            Data::Operated { what, results } => self.absorb_operated(what, results),
            Data::SessionReady(ready) => self.absorb_session_ready(ready),
            Data::SessionEnded { title, result, cleanup } => self.absorb_session_ended(&title, &result, cleanup),
            Data::Forward { id, event } => self.absorb_forward(id, event),
            Data::Budgets { generation, budgets } => self.absorb_budgets(generation, budgets),
            Data::Drain { generation, update } => self.absorb_drain(generation, update),
            Data::AutosaveFailed(why) => {
                self.notice = Some(warning(format!("unapplied edits are NOT kept in the recovery file: {why}")))
            }
            Data::Hpa { uid, hpa } => self.absorb_hpa(uid, hpa),
            Data::Validation { run, step } => self.absorb_validation(run, step),
            Data::Wake(token) => self.editor_idle(token),
            Data::ConnectFailed { context, message } => {
                self.notice = Some(warning(format!("cannot use context {context}: {message}")))
            }
        }
    }

    /// Pods change the pods table, the triage lines of the pods that changed and the GPUs counted on their nodes.
    fn absorb_pods(&mut self, delta: Delta<PodRow>) {
        if delta.reset {
            self.pods.apply(delta);
            self.fabric.pods_reset(self.pods.all());
            self.gpus_by_node.clear();
            self.gpus.pending.clear();
            for p in self.pods.all() {
                count_gpus(&mut self.gpus_by_node, p, 1);
                self.gpus.track_pod(p);
            }
            self.triage_stale = true;
            self.node_lines_stale = true;
            return;
        }
        let mut triage = Delta::<TriageRow>::default();
        for uid in &delta.deletes {
            if let Some(old) = self.pods.get(uid) {
                self.node_lines_stale |= count_gpus(&mut self.gpus_by_node, old, -1);
            }
            triage::forget(&mut triage, uid);
            self.gpus.forget_pod(uid);
            self.fabric.pod_changed(self.pods.get(uid), None);
        }
        for row in &delta.upserts {
            self.gpus.track_pod(row);
            if let Some(old) = self.pods.get(&row.id.uid) {
                self.node_lines_stale |= count_gpus(&mut self.gpus_by_node, old, -1);
            }
            self.node_lines_stale |= count_gpus(&mut self.gpus_by_node, row, 1);
            self.fabric.pod_changed(self.pods.get(&row.id.uid), Some(row));
            triage::track(&mut triage, &row.id.uid, triage::pod_line(row, self.now), &self.warning_events);
        }
        self.pods.apply(delta);
        self.triage.apply(triage);
    }

    pub fn tick(&mut self, now: i64) {
        let minute_passed = now / 60 != self.now / 60;
        self.now = now;
        if minute_passed {
            let aged = self.warning_events.prune(now);
            self.retrack_warnings(aged);
            self.expire_restarting();
        }
    }

    /// Pods shown as restarting whose last restart has left the window are looked at again.
    fn expire_restarting(&mut self) {
        let mut triage = Delta::<TriageRow>::default();
        let expired = self
            .triage
            .all()
            .filter(|t| t.problem == triage::RESTARTING && self.now - t.since > triage::RESTART_WINDOW);
        for uid in expired.map(|t| t.id.uid.clone()).collect::<Vec<_>>() {
            let own = self.pods.get(&uid).and_then(|p| triage::pod_line(p, self.now));
            triage::track(&mut triage, &uid, own, &self.warning_events);
        }
        self.triage.apply(triage);
    }

    /// Objects whose latest Warning event changed get their event line updated, unless they have a line of their own.
    fn retrack_warnings(&mut self, objects: Vec<String>) {
        let mut triage = Delta::<TriageRow>::default();
        for uid in objects.iter().filter(|uid| self.triage.get(uid).is_none()) {
            triage::track(&mut triage, uid, None, &self.warning_events);
        }
        self.triage.apply(triage);
    }
}

fn gpu_util_of(util: &super::gpus::PodGpuUtil, id: &crate::model::ObjectId) -> Option<u32> {
    util.get(&id.namespace)?.get(&id.name).copied()
}

fn usage_of(usage: &PodUsage, id: &crate::model::ObjectId) -> Option<(u64, u64)> {
    usage.get(&id.namespace)?.get(&id.name).copied()
}

/// Adds (`sign` 1) or removes (-1) the GPUs a running pod holds on its node; says whether a count changed.
fn count_gpus(gpus_by_node: &mut HashMap<String, u32>, pod: &PodRow, sign: i32) -> bool {
    if pod.gpus == 0 || pod.node.is_empty() || pod.finished() {
        return false;
    }
    let count = gpus_by_node.entry(pod.node.clone()).or_default();
    *count = if sign > 0 { *count + pod.gpus } else { count.saturating_sub(pod.gpus) };
    true
}
