//! Finds the line a field path points at in block-style YAML text (`spec.template.spec.containers[0].image`,
//! `.spec.containers[name="web"].image`), so server errors can be pinned to the operator's own lines. Pure.

use std::ops::Range;

#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
    /// A list item picked by one of its fields, as server-side apply names them: `[name="web"]`.
    Match(String, String),
}

/// The 0-based line in `range` that `path` names, or the deepest line of the path that exists; None if not even
/// the first step is found. Flow-style values (`{…}`, `[…]`) resolve to the line of their key.
pub fn line_of(lines: &[String], range: Range<usize>, path: &str) -> Option<usize> {
    let entries: Vec<Option<Entry>> = lines[range.clone()].iter().map(|l| Entry::parse(l)).collect();
    let mut block = 0..entries.len();
    let mut found = None;
    let segments = parse_path(path);
    let mut i = 0;
    while i < segments.len() {
        let hit = match &segments[i] {
            Segment::Key(key) => {
                // Keys can hold dots (annotations): try the longest run of segments that names a key here.
                let mut hit = None;
                let mut joined = key.clone();
                let mut j = i;
                loop {
                    if let Some(at) = find_key(&entries, &block, &joined) {
                        hit = Some(at);
                        i = j;
                    }
                    match segments.get(j + 1) {
                        Some(Segment::Key(next)) if hit.is_none() => {
                            joined = format!("{joined}.{next}");
                            j += 1;
                        }
                        _ => break,
                    }
                }
                hit.map(|at| (at, child_block(&entries, &block, at)))
            }
            Segment::Index(n) => items(&entries, &block).into_iter().nth(*n),
            Segment::Match(key, value) => items(&entries, &block).into_iter().find(|(_, item)| {
                find_key(&entries, item, key)
                    .and_then(|at| entries[at].as_ref())
                    .is_some_and(|e| unquote(e.value) == value.as_str())
            }),
        };
        let Some((at, inner)) = hit else { break };
        found = Some(range.start + at);
        block = inner;
        i += 1;
    }
    found
}

/// One meaningful line: where its list dash is (if it starts an item), where its content starts, and its key.
#[derive(Debug)]
struct Entry<'a> {
    dash: Option<usize>,
    indent: usize,
    key: Option<&'a str>,
    value: &'a str,
}

impl<'a> Entry<'a> {
    fn parse(line: &'a str) -> Option<Entry<'a>> {
        let mut rest = line.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') {
            return None;
        }
        let mut indent = line.len() - rest.len();
        let mut dash = None;
        while rest == "-" || rest.starts_with("- ") {
            dash.get_or_insert(indent);
            let after = rest[1..].trim_start_matches(' ');
            indent += rest.len() - after.len();
            rest = after;
        }
        let colon = rest.find(": ").or_else(|| rest.ends_with(':').then(|| rest.len() - 1));
        let (key, value) = match colon {
            Some(at) if !rest.starts_with(['{', '[']) => (Some(unquote(&rest[..at])), rest[at + 1..].trim()),
            _ => (None, rest),
        };
        Some(Entry { dash, indent, key, value })
    }

    /// The column that decides nesting: the dash for an item's first line, else the content.
    fn structural(&self) -> usize {
        self.dash.unwrap_or(self.indent)
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'')?.strip_suffix('\''))
        .unwrap_or(s)
}

/// The keys of a block sit at the content column of its first line.
fn key_column(entries: &[Option<Entry>], block: &Range<usize>) -> Option<usize> {
    entries[block.clone()].iter().flatten().next().map(|e| e.indent)
}

fn find_key(entries: &[Option<Entry>], block: &Range<usize>, key: &str) -> Option<usize> {
    let column = key_column(entries, block)?;
    block.clone().find(|&i| entries[i].as_ref().is_some_and(|e| e.indent == column && e.key == Some(key)))
}

/// The lines nested under the key at `at`: deeper ones, and a list written at the key's own column.
fn child_block(entries: &[Option<Entry>], block: &Range<usize>, at: usize) -> Range<usize> {
    let Some(parent) = entries[at].as_ref() else { return at + 1..at + 1 };
    let mut end = at + 1;
    while end < block.end {
        if let Some(e) = &entries[end] {
            let nested = e.structural() > parent.indent || e.dash == Some(parent.indent);
            if !nested {
                break;
            }
        }
        end += 1;
    }
    at + 1..end
}

/// The list items of a block: each from its dash line to the next dash at the same column.
fn items(entries: &[Option<Entry>], block: &Range<usize>) -> Vec<(usize, Range<usize>)> {
    let Some(column) = entries[block.clone()].iter().flatten().next().and_then(|e| e.dash) else { return vec![] };
    let starts: Vec<usize> =
        block.clone().filter(|&i| entries[i].as_ref().is_some_and(|e| e.dash == Some(column))).collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| (start, start..starts.get(n + 1).copied().unwrap_or(block.end)))
        .collect()
}

fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = path.trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').unwrap_or(inner.len());
            let selector = &inner[..end];
            out.push(match (selector.parse::<usize>(), selector.split_once('=')) {
                (Ok(n), _) => Segment::Index(n),
                (_, Some((k, v))) => Segment::Match(k.to_string(), unquote(v).to_string()),
                _ => Segment::Key(selector.to_string()),
            });
            rest = inner.get(end + 1..).unwrap_or_default();
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Segment::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubectl.kubernetes.io/restartedAt: '2026-11-30T10:00:00Z'
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: sidecar
        image: busybox
      - name: web
        image: nginx:1.27
        env:
          - name: MODE
            value: fast
  selector: {matchLabels: {app: web}}
";

    fn at(path: &str) -> Option<usize> {
        let lines: Vec<String> = DEPLOYMENT.lines().map(String::from).collect();
        line_of(&lines, 0..lines.len(), path).map(|l| l + 1)
    }

    #[test]
    fn paths_as_validation_errors_write_them() {
        assert_eq!(at("spec.replicas"), Some(8));
        assert_eq!(at("metadata.name"), Some(4));
        assert_eq!(at("spec.template.spec.containers[1].image"), Some(15));
        assert_eq!(at("spec.template.spec.containers[1].env[0].value"), Some(18));
    }

    #[test]
    fn paths_as_apply_conflicts_write_them() {
        assert_eq!(at(".spec.template.spec.containers[name=\"web\"].image"), Some(15));
        assert_eq!(at(".metadata.annotations.kubectl.kubernetes.io/restartedAt"), Some(6), "a dotted key");
    }

    #[test]
    fn what_cannot_be_found_falls_back_to_the_deepest_parent() {
        assert_eq!(at("spec.selector.matchLabels"), Some(19), "flow style resolves to its key");
        assert_eq!(at("spec.template.spec.containers[7].image"), Some(11));
        assert_eq!(at("status.replicas"), None);
    }

    #[test]
    fn ranges_offset_the_answer() {
        let lines: Vec<String> = format!("a: 1\n---\n{DEPLOYMENT}").lines().map(String::from).collect();
        assert_eq!(line_of(&lines, 2..lines.len(), "spec.replicas"), Some(9));
    }
}
