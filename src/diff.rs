//! Unified line diffs (three lines of context), as the apply review shows them. Pure.

use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// `@@ -a,b +c,d @@`
    Hunk,
    Context,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// The changes from `old` to `new`; empty when they are equal.
pub fn unified(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let (old_start, new_start) = (first.old_range().start, first.new_range().start);
        let (old_len, new_len) = (last.old_range().end - old_start, last.new_range().end - new_start);
        out.push(DiffLine {
            kind: DiffKind::Hunk,
            text: format!("@@ -{},{old_len} +{},{new_len} @@", old_start + 1, new_start + 1),
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let (kind, sign) = match change.tag() {
                    ChangeTag::Equal => (DiffKind::Context, ' '),
                    ChangeTag::Delete => (DiffKind::Removed, '-'),
                    ChangeTag::Insert => (DiffKind::Added, '+'),
                };
                let text = change.value().trim_end_matches('\n');
                out.push(DiffLine { kind, text: format!("{sign}{text}") });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_come_with_context_and_hunk_headers() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
        let text: Vec<String> = unified(old, new).into_iter().map(|l| l.text).collect();
        assert_eq!(text, ["@@ -2,7 +2,8 @@", " b", " c", " d", "-e", "+E", " f", " g", " h", "+i"]);
        assert!(unified(old, old).is_empty());
        let created = unified("", "a\nb\n");
        assert_eq!(created.iter().filter(|l| l.kind == DiffKind::Added).count(), 2);
    }
}
