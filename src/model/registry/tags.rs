//! Tag order and nearness: versions compare number by number (`1.10` after `1.9`), a suffix after a release
//! (`1.3-rc1`) comes before it, and words (`latest`, `main`) come after every version: they name what is newest.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Number(u64),
    Word(&'a str),
}

/// Runs of digits and runs of letters; separators only split.
fn parts(tag: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // Too many digits for u64 (a date-time or a hash): compare as text.
            match tag[start..i].parse() {
                Ok(n) => out.push(Part::Number(n)),
                Err(_) => out.push(Part::Word(&tag[start..i])),
            }
        } else if bytes[i].is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Part::Word(&tag[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// Whether a tag names a version (has a number), rather than a channel like `latest`.
pub fn is_version(tag: &str) -> bool {
    has_number(&parts(tag))
}

fn has_number(parts: &[Part]) -> bool {
    parts.iter().any(|p| matches!(p, Part::Number(_)))
}

/// Ascending version order. Tags without any number sort after all versions, by name.
pub fn version_order(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    match (has_number(&pa), has_number(&pb)) {
        (false, false) => return a.cmp(b),
        (false, true) => return Ordering::Greater,
        (true, false) => return Ordering::Less,
        (true, true) => {}
    }
    for (x, y) in pa.iter().zip(&pb) {
        let order = match (x, y) {
            (Part::Number(x), Part::Number(y)) => x.cmp(y),
            (Part::Word(x), Part::Word(y)) => x.cmp(y),
            // `v` prefixes and words sort before numbers at the same place.
            (Part::Word(_), Part::Number(_)) => Ordering::Less,
            (Part::Number(_), Part::Word(_)) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    // One is a prefix of the other: a further word is a pre-release (lower), a further number a patch (higher).
    let tail = |longer: &[Part], shorter: usize| match longer.get(shorter) {
        Some(Part::Word(_)) => Ordering::Less,
        Some(Part::Number(_)) => Ordering::Greater,
        None => Ordering::Equal,
    };
    match pa.len().cmp(&pb.len()) {
        Ordering::Greater => tail(&pa, pb.len()),
        Ordering::Less => tail(&pb, pa.len()).reverse(),
        Ordering::Equal => a.cmp(b),
    }
}

/// The two tags closest to a missing one, in version order: those sharing the longest run of leading parts, then
/// the nearest in order.
pub fn nearest(wanted: &str, tags: &[String]) -> Vec<String> {
    let want = parts(wanted);
    let mut sorted: Vec<&String> = tags.iter().filter(|t| t.as_str() != wanted).collect();
    sorted.sort_by(|a, b| version_order(a, b));
    let at = sorted.partition_point(|t| version_order(t, wanted) == Ordering::Less);
    let mut ranked: Vec<(usize, usize, &String)> = sorted
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let shared = parts(t).iter().zip(&want).take_while(|(x, y)| x == y).count();
            let distance = if i < at { at - i } else { i + 1 - at };
            (shared, distance, *t)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut pick: Vec<&String> = ranked.iter().take(2).map(|r| r.2).collect();
    pick.sort_by(|a, b| version_order(a, b));
    pick.into_iter().cloned().collect()
}
