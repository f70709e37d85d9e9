//! Line-by-line YAML highlighting for the YAML view and the editor: mapping keys, comments, and the rest as is.

use ratatui::text::{Line, Span};

use crate::theme::{Slot, Theme};

/// Splits a line into indentation and list dashes, a `key:` when the line maps one, and the value; a comment line
/// is muted whole. Block scalars and quoted keys are rare in API objects and stay plain.
pub fn yaml<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    let body = line.trim_start_matches([' ', '-']);
    let lead = &line[..line.len() - body.len()];
    if body.starts_with('#') {
        return Line::from(Span::styled(line, theme.style(Slot::Muted)));
    }
    let key_end = body.find(": ").or_else(|| body.ends_with(':').then(|| body.len() - 1));
    match key_end {
        Some(end) if !body[..end].contains([' ', '"', '\'', '{', '[']) => Line::from(vec![
            Span::raw(lead),
            Span::styled(&body[..=end], theme.style(Slot::YamlKey)),
            Span::raw(&body[end + 1..]),
        ]),
        _ => Line::from(line),
    }
}

/// A diff line coloured by its sign: added, removed, and hunk or section headers muted.
pub fn diff<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    let slot = if line.starts_with("@@") || line.starts_with("===") {
        Slot::Muted
    } else if line.starts_with('+') {
        Slot::DiffAdded
    } else if line.starts_with('-') {
        Slot::DiffRemoved
    } else {
        return Line::from(line);
    };
    Line::styled(line, theme.style(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(line: &str) -> Vec<(String, bool)> {
        let (theme, _) = Theme::load(Some("default"), false);
        yaml(line, &theme)
            .spans
            .iter()
            .map(|s| (s.content.to_string(), s.style == theme.style(Slot::YamlKey)))
            .filter(|(text, _)| !text.is_empty())
            .collect()
    }

    #[test]
    fn keys_are_marked_and_values_left_alone() {
        assert_eq!(parts("  - name: web"), [("  - ".into(), false), ("name:".into(), true), (" web".into(), false)]);
        assert_eq!(parts("metadata:"), [("metadata:".into(), true)]);
        assert_eq!(
            parts("    image: repo/x:1.2"),
            [("    ".into(), false), ("image:".into(), true), (" repo/x:1.2".into(), false)]
        );
        assert_eq!(parts("  - \"a: b\""), [("  - \"a: b\"".into(), false)], "a quoted scalar is not a key");
        assert_eq!(
            parts("  message: 'back-off: 5m'"),
            [("  ".into(), false), ("message:".into(), true), (" 'back-off: 5m'".into(), false)]
        );
    }
}
