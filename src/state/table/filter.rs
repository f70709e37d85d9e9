//! The filter typed after `/`: a plain word (a SIMD substring search), a case-insensitive regex, `!` to invert, or
//! `-l` with a label selector; and whether a new filter only narrows the last one.

use memchr::memmem;
use regex::{Regex, RegexBuilder};

use super::Row;
use crate::selector::LabelSelector;

/// The filter typed after `/`. Rows are matched against their search text in lower case, so a plain word is a
/// SIMD substring search and a regex runs case-insensitively.
#[derive(Debug, Clone, Default)]
pub enum Filter {
    #[default]
    None,
    /// A pattern without regex syntax, lower-cased.
    Literal {
        needle: String,
        finder: Box<memmem::Finder<'static>>,
        inverted: bool,
    },
    Regex {
        regex: Regex,
        inverted: bool,
    },
    Labels(LabelSelector),
}

/// Characters that make a pattern a regex rather than a plain substring.
const REGEX_SYNTAX: &[char] = &['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$'];

impl Filter {
    /// `regex`, `!regex` (inverted) or `-l key=value,…`; a bad pattern is reported and matched literally.
    pub fn parse(input: &str) -> (Filter, Option<String>) {
        let input = input.trim();
        if input.is_empty() {
            return (Filter::None, None);
        }
        if let Some(sel) = input.strip_prefix("-l").map(str::trim) {
            return match LabelSelector::parse(sel) {
                Ok(s) => (Filter::Labels(s), None),
                Err(e) => (Filter::None, Some(format!("label selector: {e}"))),
            };
        }
        let (pattern, inverted) = match input.strip_prefix('!') {
            Some(rest) => (rest, true),
            None => (input, false),
        };
        if !pattern.contains(REGEX_SYNTAX) {
            return (Filter::literal(pattern, inverted), None);
        }
        match RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build() {
            Ok(regex) => (Filter::Regex { regex, inverted }, None),
            Err(_) => (
                Filter::literal(pattern, inverted),
                Some(format!("not a valid regex, matching \"{pattern}\" literally")),
            ),
        }
    }

    fn literal(pattern: &str, inverted: bool) -> Filter {
        let needle = pattern.to_lowercase();
        Filter::Literal { finder: Box::new(memmem::Finder::new(needle.as_bytes()).into_owned()), needle, inverted }
    }

    /// Whether every row this filter keeps was kept by `earlier` too, so it can narrow the earlier view instead of
    /// scanning every row (typing one more letter of a word).
    pub(super) fn narrows(&self, earlier: &Filter) -> bool {
        match (self, earlier) {
            (Filter::Literal { inverted: false, .. } | Filter::Regex { inverted: false, .. }, Filter::None) => true,
            (
                Filter::Literal { needle, inverted: false, .. },
                Filter::Literal { needle: before, inverted: false, .. },
            ) => needle.contains(before.as_str()),
            _ => false,
        }
    }

    pub(super) fn matches<R: Row>(&self, row: &R, text: &str) -> bool {
        match self {
            Filter::None => true,
            Filter::Literal { finder, inverted, .. } => finder.find(text.as_bytes()).is_some() != *inverted,
            Filter::Regex { regex, inverted } => regex.is_match(text) != *inverted,
            Filter::Labels(sel) => row.labels().is_some_and(|l| sel.matches(l)),
        }
    }
}
