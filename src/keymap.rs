//! Key chords and bindings: the embedded default keymap, a user file that lists only changes, and resolution of a
//! key press to an action in the scopes that are active. Bad user entries become warnings, never a failed start.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Scope};

pub const DEFAULT: &str = include_str!("../keymaps/default.toml");

/// A key with its modifiers; SHIFT is folded into the character for printable keys ("G", not "shift-g").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord {
    code: ChordCode,
    ctrl: bool,
    alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum ChordCode {
    Char(char),
    Named(&'static str),
    F(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("esc", KeyCode::Esc),
    ("enter", KeyCode::Enter),
    ("tab", KeyCode::Tab),
    ("shift-tab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("space", KeyCode::Char(' ')),
];

impl Chord {
    pub fn parse(text: &str) -> Result<Chord, String> {
        if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == text) {
            return Chord::from_code(*code, KeyModifiers::NONE).ok_or_else(|| format!("unknown key \"{text}\""));
        }
        let (mut ctrl, mut alt, mut rest) = (false, false, text);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => ChordCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=12).contains(n)) {
                Some(n) => ChordCode::F(n),
                None => match NAMED.iter().find(|(n, _)| *n == rest) {
                    Some((name, _)) => ChordCode::Named(name),
                    None => return Err(format!("unknown key \"{text}\"")),
                },
            },
        };
        Ok(Chord { code, ctrl, alt })
    }

    fn from_code(code: KeyCode, mods: KeyModifiers) -> Option<Chord> {
        let ctrl = mods.contains(KeyModifiers::CONTROL);
        let alt = mods.contains(KeyModifiers::ALT);
        let code = match code {
            KeyCode::Char(' ') => ChordCode::Named("space"),
            KeyCode::Char(c) => ChordCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => ChordCode::F(n),
            other => ChordCode::Named(NAMED.iter().find(|(_, k)| *k == other)?.0),
        };
        Some(Chord { code, ctrl, alt })
    }

    pub fn from_event(key: &KeyEvent) -> Option<Chord> {
        Chord::from_code(key.code, key.modifiers)
    }
}

impl std::fmt::Display for Chord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            write!(f, "ctrl-")?;
        }
        if self.alt {
            write!(f, "alt-")?;
        }
        match self.code {
            ChordCode::Char(c) => write!(f, "{c}"),
            ChordCode::Named(n) => write!(f, "{n}"),
            ChordCode::F(n) => write!(f, "f{n}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<(Scope, Chord), Action>,
}

type RawKeymap = BTreeMap<String, BTreeMap<String, String>>;

impl Keymap {
    /// The defaults with `user` (TOML text) layered on top; returns warnings for entries that were skipped.
    pub fn load(user: Option<&str>) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::default();
        let mut warnings = Vec::new();
        keymap.merge(DEFAULT, "default keymap", &mut warnings);
        if let Some(text) = user {
            keymap.merge(text, "keymap", &mut warnings);
        }
        (keymap, warnings)
    }

    fn merge(&mut self, text: &str, origin: &str, warnings: &mut Vec<String>) {
        let raw: RawKeymap = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                warnings.push(format!("{origin}: {}", e.message()));
                return;
            }
        };
        for (scope_name, entries) in raw {
            let Some(scope) = parse_scope(&scope_name) else {
                warnings.push(format!("{origin}: unknown section [{scope_name}] (global, table, filter, help)"));
                continue;
            };
            for (key, action_name) in entries {
                let chord = match Chord::parse(&key) {
                    Ok(c) => c,
                    Err(e) => {
                        warnings.push(format!("{origin} [{scope_name}]: {e}"));
                        continue;
                    }
                };
                if action_name == "none" {
                    self.bindings.remove(&(scope, chord));
                    continue;
                }
                match toml::Value::String(action_name.clone()).try_into::<Action>() {
                    Ok(action) => {
                        self.bindings.insert((scope, chord), action);
                    }
                    Err(_) => {
                        warnings.push(format!("{origin} [{scope_name}] \"{key}\": unknown action \"{action_name}\""))
                    }
                }
            }
        }
    }

    /// The action bound to `chord` in the first of `scopes` that binds it.
    pub fn resolve(&self, scopes: &[Scope], chord: Chord) -> Option<Action> {
        scopes.iter().find_map(|s| self.bindings.get(&(*s, chord)).copied())
    }

    /// Every binding, sorted by scope then action, for the help overlay.
    pub fn listing(&self) -> Vec<(Scope, String, Action)> {
        let mut out: Vec<(Scope, String, Action)> =
            self.bindings.iter().map(|((s, c), a)| (*s, c.to_string(), *a)).collect();
        out.sort_by(|a, b| (a.0, format!("{:?}", a.2), &a.1).cmp(&(b.0, format!("{:?}", b.2), &b.1)));
        out
    }

    /// The first key bound to `action` in `scope`, for hints in the status line.
    pub fn key_for(&self, scope: Scope, action: Action) -> Option<String> {
        let mut keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|((s, _), a)| *s == scope && **a == action)
            .map(|((_, c), _)| c.to_string())
            .collect();
        keys.sort_by_key(|k| (k.len(), k.clone()));
        keys.into_iter().next()
    }
}

fn parse_scope(name: &str) -> Option<Scope> {
    toml::Value::String(name.to_string()).try_into::<Scope>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> Chord {
        Chord::from_event(&KeyEvent::new(code, mods)).unwrap()
    }

    #[test]
    fn defaults_resolve_design_keys() {
        let (km, warnings) = Keymap::load(None);
        assert!(warnings.is_empty(), "{warnings:?}");
        let table = [Scope::Table, Scope::Global];
        assert_eq!(km.resolve(&table, key(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(km.resolve(&table, key(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(km.resolve(&table, key(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevPane));
        assert_eq!(km.resolve(&table, key(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        let filter = [Scope::Filter, Scope::Global];
        assert_eq!(
            km.resolve(&filter, key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None,
            "letters are typed into the filter"
        );
        assert_eq!(km.resolve(&filter, key(KeyCode::Enter, KeyModifiers::NONE)), Some(Action::Accept));
    }

    #[test]
    fn user_file_changes_and_warns() {
        let user = "[table]\n\"x\" = \"down\"\n\"j\" = \"none\"\n\"ctrl-q\" = \"quit\"\n\"hyper-k\" = \"up\"\n\"y\" = \"explode\"\n[bogus]\n\"a\" = \"quit\"\n";
        let (km, warnings) = Keymap::load(Some(user));
        let table = [Scope::Table, Scope::Global];
        assert_eq!(km.resolve(&table, key(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(km.resolve(&table, key(KeyCode::Char('j'), KeyModifiers::NONE)), None);
        assert_eq!(km.resolve(&table, key(KeyCode::Char('q'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("unknown action \"explode\"")));
        let (_, broken) = Keymap::load(Some("[table\n"));
        assert_eq!(broken.len(), 1);
        assert_eq!(km.key_for(Scope::Table, Action::Filter).as_deref(), Some("/"));
    }
}
