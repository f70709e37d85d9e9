//! The `:ns` and `:ctx` pickers: a list narrowed as you type, moved with the arrow keys, picked with enter.

use super::logs::LOGS_CONTAINER;
use super::{Mode, State};
use crate::action::Action;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The command a pick runs, with the item as its argument ("ns", "ctx").
    pub command: &'static str,
    pub query: String,
    /// Position in `State::picks()`.
    pub selected: usize,
}

impl State {
    /// Opens the picker for `command` with the current choice selected (the context, the namespace, or the
    /// container the logs view shows).
    pub(super) fn open_picker(&mut self, command: &'static str) {
        let current = match command {
            "ns" => self.namespace.clone().unwrap_or_else(|| "all".into()),
            LOGS_CONTAINER => self.logs.as_ref().and_then(|l| l.target.container.clone()).unwrap_or_default(),
            _ => self.title.clone(),
        };
        let mut picker = Picker { command, query: String::new(), selected: 0 };
        picker.selected = self.picks(&picker).iter().position(|p| *p == current).unwrap_or(0);
        self.mode = Mode::Picker(picker);
    }

    /// What the picker offers: the items containing its query (any case), in order.
    pub fn picks(&self, picker: &Picker) -> Vec<String> {
        let query = picker.query.to_lowercase();
        let items: Vec<String> = match picker.command {
            "ns" => std::iter::once("all".to_string()).chain(self.namespaces.iter().cloned()).collect(),
            LOGS_CONTAINER => self.logs_containers(),
            _ => self.contexts.clone(),
        };
        items.into_iter().filter(|i| i.to_lowercase().contains(&query)).collect()
    }

    pub(super) fn act_in_picker(&mut self, action: Action, page: isize) {
        let Mode::Picker(picker) = &self.mode else { return };
        let mut picker = picker.clone();
        let count = self.picks(&picker).len() as isize;
        let to = match action {
            Action::Back | Action::Quit => {
                self.mode = self.after_picker(&picker);
                return;
            }
            Action::Accept => {
                self.mode = self.after_picker(&picker);
                if let Some(item) = self.picks(&picker).get(picker.selected) {
                    self.run_command(&format!("{} {item}", picker.command));
                }
                return;
            }
            Action::DeleteChar => {
                picker.query.pop();
                0
            }
            Action::Down => picker.selected as isize + 1,
            Action::Up => picker.selected as isize - 1,
            Action::PageDown => picker.selected as isize + page,
            Action::PageUp => picker.selected as isize - page,
            Action::Top => 0,
            Action::Bottom => count - 1,
            _ => picker.selected as isize,
        };
        picker.selected = to.clamp(0, (count - 1).max(0)) as usize;
        self.mode = Mode::Picker(picker);
    }

    /// Where closing the picker returns: the logs view it was opened from, or the panes.
    fn after_picker(&self, picker: &Picker) -> Mode {
        if picker.command == LOGS_CONTAINER && self.logs.is_some() { Mode::Logs { prompt: None } } else { Mode::Normal }
    }

    /// A typed character narrows the list and selects its first item.
    pub(super) fn type_in_picker(&mut self, c: char) {
        if let Mode::Picker(picker) = &mut self.mode {
            picker.query.push(c);
            picker.selected = 0;
        }
    }
}
