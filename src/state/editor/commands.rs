//! The editor's `:` commands: `:new TEMPLATE`, `:apply FILE`, `:edit KIND/NAME`, `:recover`, `:discard`, and how
//! `KIND/NAME` becomes an object address (also for `:yaml`).

use super::{FROM_CONTEXT, RECOVERED};
use crate::event::{Effect, ObjectAddress};
use crate::manifest;
use crate::state::{Notice, State, warning};

impl State {
    /// `:new TEMPLATE`, `:apply FILE`, `:edit KIND/NAME`, `:recover`.
    pub(in crate::state) fn editor_command(&mut self, command: &str, args: &[&str]) {
        // Recovering or discarding kept text sends nothing; applying it later is refused on its own.
        if !matches!(command, "recover" | "discard") && self.refuse_in_read_only(command) {
            return;
        }
        let namespace = self.namespace.clone().unwrap_or_else(|| "default".into());
        match (command, args) {
            ("new", [name]) => match manifest::templates::render(name, &namespace) {
                Some(text) => self.open_editor(format!("new {name}"), &text),
                None => {
                    self.notice =
                        Some(warning(format!(":new {name}: templates are {}", manifest::templates::NAMES.join(", "))))
                }
            },
            ("apply", [path]) => {
                self.document_generation += 1;
                let generation = self.document_generation;
                self.effects.push(Effect::ReadManifest { path: path.to_string(), generation });
            }
            ("edit", _) => {
                if let Some(address) = self.address_in(command, args) {
                    self.request_edit(address, false);
                }
            }
            ("recover", []) => match self.recovered.take() {
                Some(text) => {
                    let (header, body) = text.split_once('\n').unwrap_or(("", &text));
                    let title = header.strip_prefix("# ").unwrap_or("recovered edits");
                    if let Some((_, context)) = title.split_once(FROM_CONTEXT)
                        && context != self.title
                    {
                        self.notice = Some(warning(format!("recovered edits were made on context {context}")));
                    }
                    let title = title.split(FROM_CONTEXT).next().unwrap_or(title);
                    self.open_editor(format!("{title}{RECOVERED}"), body);
                    if let Some(editor) = self.editor.as_mut() {
                        // Recovered text was never applied: it counts as unapplied until it is.
                        editor.original.clear();
                        editor.modified = true;
                    }
                }
                None => self.notice = Some(warning(":recover: no recovered edits".into())),
            },
            ("discard", []) => {
                self.recovered = None;
                self.effects.push(Effect::Autosave(None));
                self.notice = Some(Notice { error: false, text: "recovered edits discarded".into() });
            }
            _ => self.notice = Some(warning(format!(":{command}: unexpected arguments {}", args.join(" ")))),
        }
    }

    /// `KIND/NAME [-n NAMESPACE]` (or `KIND NAME`) as an object of a kind discovery knows: the kind by name,
    /// plural, short name or a prefix; the namespace given, else the one in view, else `default`. None, with a
    /// notice saying why, when it names nothing.
    pub(in crate::state) fn address_in(&mut self, command: &str, args: &[&str]) -> Option<ObjectAddress> {
        let mut namespace = self.namespace.clone().unwrap_or_else(|| "default".into());
        let mut words = Vec::new();
        let mut rest = args.iter();
        while let Some(word) = rest.next() {
            match *word {
                "-n" | "--namespace" => namespace = rest.next().map(|n| n.to_string()).unwrap_or(namespace),
                other => words.push(other),
            }
        }
        let (kind, name) = match words.as_slice() {
            [one] => one.split_once('/').unwrap_or((one, "")),
            [kind, name] => (*kind, *name),
            _ => ("", ""),
        };
        let found = self
            .resources
            .iter()
            .find(|r| r.kind.eq_ignore_ascii_case(kind) || r.plural == kind)
            .or_else(|| self.resources.iter().find(|r| r.named(kind)));
        match (found, name) {
            (_, "") => {
                self.notice =
                    Some(warning(format!(":{command} KIND/NAME [-n NAMESPACE], e.g. :{command} secret/db-creds")))
            }
            (None, _) => self.notice = Some(warning(format!(":{command}: the cluster serves no kind \"{kind}\""))),
            (Some(r), _) => {
                return Some(ObjectAddress {
                    api_version: r.api_version.clone(),
                    kind: r.kind.clone(),
                    namespace: if r.namespaced { namespace } else { String::new() },
                    name: name.to_string(),
                });
            }
        }
        None
    }
}
