//! Moving through the console: which object is selected in each pane, `enter` drilling in (per pane), `esc` backing
//! out one step at a time, and asking for the selection's describe text or YAML.

use super::*;

impl State {
    /// Asks for the selected object's describe text or YAML; the answer arrives as `Data::Document`.
    pub(super) fn request_document(&mut self, yaml: bool) {
        let Some(address) = self.selected_address() else { return };
        self.document_generation += 1;
        let generation = self.document_generation;
        self.effects.push(if yaml {
            Effect::Yaml { address, generation }
        } else {
            Effect::Describe { address, generation }
        });
        self.notice = Some(Notice { error: false, text: "loading…".into() });
    }

    pub(super) fn selected_object(&self) -> Option<ObjectRef> {
        self.object_in_pane(self.table(self.pane).selected_uid()?)
    }

    /// The object row `uid` of the focused pane stands for (none in the images, inference and generic panes).
    pub(super) fn object_in_pane(&self, uid: &str) -> Option<ObjectRef> {
        let (kind, id) = match self.pane {
            Pane::Pods => (ObjectKind::Pod, &self.pods.get(uid)?.id),
            Pane::Nodes => (ObjectKind::Node, &self.nodes.get(uid)?.node.id),
            Pane::Gpu => (ObjectKind::Node, &self.gpus.table.get(uid)?.id),
            Pane::Workloads => {
                let w = self.workloads.get(uid)?;
                (w.kind.object_kind(), &w.id)
            }
            Pane::Triage => return self.triage.get(uid)?.object.clone(),
            Pane::Images | Pane::Inference | Pane::Browse | Pane::Helm | Pane::History => return None,
        };
        Some(ObjectRef { kind, namespace: id.namespace.clone(), name: id.name.clone(), uid: id.uid.clone() })
    }

    /// The selected object of any pane, addressed by apiVersion and kind.
    pub(super) fn selected_address(&self) -> Option<ObjectAddress> {
        match self.pane {
            Pane::Browse => self.browse.selected(),
            Pane::Triage => {
                let row = self.triage.selected_row()?;
                row.object.as_ref().map(ObjectAddress::from).or_else(|| row.address.clone())
            }
            _ => self.selected_object().map(|o| ObjectAddress::from(&o)),
        }
    }

    /// esc: clear the filter, then the drill-down, then the zoom, then any notice.
    pub(super) fn back(&mut self) {
        if !self.focused().marked().is_empty() {
            self.focused().clear_marks();
        } else if self.pane == Pane::Gpu && self.gpus.drill.is_some() {
            self.gpus.drill = None;
        } else if self.pane == Pane::Images && self.focused().filter_text().is_empty() && self.images.back() {
            // The detail or the tag list closed (a filter is cleared first).
        } else if self.pane == Pane::Helm && self.focused().filter_text().is_empty() && self.helm_back() {
            // The objects or the history closed.
        } else if self.pane == Pane::History && self.focused().filter_text().is_empty() && !self.zoom {
            self.pane = self.history.from.take().unwrap_or(Pane::Workloads);
        } else if !self.focused().filter_text().is_empty() {
            self.focused().filter("");
        } else if self.focused().clear_scope() {
            // The drill-down was the thing to undo.
        } else if self.zoom {
            self.zoom = false;
        } else {
            self.notice = None;
            self.warnings.clear();
        }
    }

    pub(super) fn drill_in(&mut self) {
        match self.pane {
            Pane::Triage => {
                let Some(row) = self.triage.selected_row() else { return };
                if row.kind == "gpu"
                    && let Some(node) = row.object.as_ref().map(|o| o.name.clone())
                {
                    let fault = format!("{}: {}", row.problem, row.why);
                    return self.open_remedy(node, fault);
                }
                if row.kind == crate::state::helm::TRIAGE_KIND {
                    let release = format!("{}/{}", row.id.namespace, row.id.name);
                    return self.open_helm(Some(&release));
                }
                let Some(object) = row.object.clone() else {
                    match row.address.clone() {
                        Some(address) => self.open_address(&address),
                        None => self.notice = Some(warning(format!("no pane lists {} objects", row.kind))),
                    }
                    return;
                };
                let pane = match object.kind {
                    ObjectKind::Pod => Pane::Pods,
                    ObjectKind::Node => Pane::Nodes,
                    ObjectKind::Deployment | ObjectKind::StatefulSet | ObjectKind::Job => Pane::Workloads,
                };
                self.jump(pane, object.uid);
            }
            Pane::Nodes => {
                let Some(node) = self.nodes.selected_row().map(|n| n.node.id.name.clone()) else { return };
                self.pods.set_scope(Some(Scope::Node(node)));
                self.pods.set_filter("");
                self.pane = Pane::Pods;
            }
            Pane::Workloads => {
                let Some(w) = self.workloads.selected_row() else { return };
                let scope = Scope::Selector {
                    namespace: w.id.namespace.clone(),
                    labels: w.selector.clone(),
                    owner: format!("{} {}/{}", w.kind.as_str().to_lowercase(), w.id.namespace, w.id.name),
                };
                self.pods.set_scope(Some(scope));
                self.pods.set_filter("");
                self.pane = Pane::Pods;
            }
            Pane::Pods => self.open_logs(),
            Pane::Gpu => self.gpus.drill = self.gpus.table.selected_row().map(|l| l.id.name.clone()),
            Pane::Images => {
                let effect = self.images.drill_in();
                self.effects.extend(effect);
            }
            Pane::Inference => self.validate_selected(),
            Pane::Browse => self.drill_into_resource(),
            Pane::Helm => self.helm_drill_in(),
            Pane::History => self.history_diff(),
        }
    }

    /// Focuses `pane` with the object `uid` selected, clearing whatever would hide it.
    /// Opens the view of `address`'s kind in its namespace, with the object selected once it is listed.
    pub(super) fn open_address(&mut self, address: &ObjectAddress) {
        let known = self.resources.iter().find(|r| r.api_version == address.api_version && r.kind == address.kind);
        let Some(resource) = known.cloned() else {
            self.notice = Some(warning(format!("the cluster did not list {} in discovery", address.kind)));
            return;
        };
        let namespace = (!address.namespace.is_empty()).then(|| address.namespace.clone());
        let effect = self.browse.open(resource, namespace, false);
        self.browse.wanted = Some((address.namespace.clone(), address.name.clone()));
        self.effects.push(effect);
        self.pane = Pane::Browse;
        self.notice = None;
    }

    pub(super) fn jump(&mut self, pane: Pane, uid: String) {
        self.pane = pane;
        let table: &mut dyn TablePane = self.focused();
        table.filter("");
        table.clear_scope();
        table.select(uid);
        self.namespace = None;
    }
}
