//! Semantic style slots (selected, warn, error, muted…) loaded from themes/*.toml; code names slots, never colours.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    ("mono", include_str!("../themes/mono.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slot {
    Title,
    TitleDemo,
    Tab,
    TabActive,
    Header,
    Selected,
    /// Rows marked with `space` for a command on several objects.
    Marked,
    Ok,
    Done,
    Pending,
    Warn,
    Error,
    Muted,
    Notice,
    NoticeError,
    Prompt,
    /// Dashboard pane frames, and the focused pane's.
    Border,
    BorderFocused,
    /// Mapping keys in the YAML view; comments use `muted`.
    YamlKey,
    /// Search matches in the logs view and the editor.
    Match,
    /// Lines a diff adds and removes.
    DiffAdded,
    DiffRemoved,
    /// The editor's cursor cell.
    Cursor,
    /// GPU utilization in the heat grid and history: under 5 %, under 40 %, under 75 %, and above.
    HeatIdle,
    HeatLow,
    HeatMid,
    HeatHigh,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    styles: BTreeMap<Slot, Style>,
}

impl Theme {
    /// `name` is a built-in theme or a file path; NO_COLOR forces `mono`. Problems become warnings and the default.
    pub fn load(name: Option<&str>, no_color: bool) -> (Theme, Vec<String>) {
        let mut warnings = Vec::new();
        let text = match (no_color, name) {
            (true, _) => builtin("mono"),
            (false, None) => builtin("default"),
            (false, Some(n)) => match BUILTIN.iter().find(|(b, _)| *b == n) {
                Some((_, t)) => (*t).to_string(),
                None => std::fs::read_to_string(n).unwrap_or_else(|e| {
                    warnings.push(format!("theme {n}: {e}; using the default theme"));
                    builtin("default")
                }),
            },
        };
        match Theme::parse(&text) {
            Ok(theme) => (theme, warnings),
            Err(e) => {
                warnings.push(format!("theme {}: {e}; using the default theme", name.unwrap_or("default")));
                (Theme::parse(&builtin("default")).unwrap_or_default(), warnings)
            }
        }
    }

    pub fn parse(text: &str) -> Result<Theme, String> {
        let raw: BTreeMap<Slot, RawStyle> = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut styles = BTreeMap::new();
        for (slot, r) in raw {
            let mut style = Style::default();
            if let Some(fg) = &r.fg {
                style = style.fg(Color::from_str(fg).map_err(|_| format!("unknown colour \"{fg}\""))?);
            }
            if let Some(bg) = &r.bg {
                style = style.bg(Color::from_str(bg).map_err(|_| format!("unknown colour \"{bg}\""))?);
            }
            for (on, m) in [
                (r.bold, Modifier::BOLD),
                (r.dim, Modifier::DIM),
                (r.reversed, Modifier::REVERSED),
                (r.underlined, Modifier::UNDERLINED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            styles.insert(slot, style);
        }
        Ok(Theme { styles })
    }

    /// Whether the theme draws in colour (mono and NO_COLOR do not): images are then drawn as a luminance ramp.
    pub fn has_colour(&self) -> bool {
        self.styles.values().any(|s| s.fg.is_some() || s.bg.is_some())
    }

    pub fn style(&self, slot: Slot) -> Style {
        self.styles.get(&slot).copied().unwrap_or_default()
    }
}

fn builtin(name: &str) -> String {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_mono_has_no_colour() {
        for (name, text) in BUILTIN {
            assert!(Theme::parse(text).is_ok(), "{name}");
        }
        let (mono, warnings) = Theme::load(Some("default"), true);
        assert!(warnings.is_empty());
        for slot in [Slot::Title, Slot::Selected, Slot::Error, Slot::Ok] {
            let s = mono.style(slot);
            assert_eq!((s.fg, s.bg), (None, None), "{slot:?}");
        }
        assert!(mono.style(Slot::Selected).add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn bad_themes_warn_and_fall_back() {
        let (theme, warnings) = Theme::load(Some("/nonexistent/theme.toml"), false);
        assert_eq!(warnings.len(), 1);
        assert_eq!(theme.style(Slot::Error).fg, Some(Color::LightRed));
        assert!(Theme::parse("[error]\nfg = \"octarine\"\n").is_err());
        assert!(Theme::parse("[sparkle]\nfg = \"red\"\n").is_err());
    }
}
