//! Makes untrusted cluster text safe for the terminal: escape sequences and control characters never reach it.

/// `clean` for a string already owned: kept as it is when it holds nothing to strip (every escape sequence and C1
/// introducer starts with a control character), so the common case allocates nothing.
pub fn owned(text: String) -> String {
    if text.chars().any(char::is_control) { clean(&text) } else { text }
}

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS and two-byte forms) and control characters; tabs and newlines
/// become spaces so one value stays on one line.
pub fn clean(text: &str) -> String {
    scrub(text, None)
}

/// `clean`, also returning each SGR (colour) sequence it removed: the byte offset in the cleaned text where it took
/// effect, and its parameters ("1;31"). Nothing else survives; the caller decides whether to draw colours.
pub fn clean_keeping_sgr(text: &str) -> (String, Vec<(usize, String)>) {
    let mut sgr = Vec::new();
    let out = scrub(text, Some(&mut sgr));
    (out, sgr)
}

fn scrub(text: &str, mut sgr: Option<&mut Vec<(usize, String)>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let csi = match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI/OSC/DCS introducers act like ESC [, ESC ], ESC P on some terminals.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' | '\u{90}' => {
                skip_string(&mut chars);
                None
            }
            '\t' | '\n' | '\r' => {
                out.push(' ');
                None
            }
            c if c.is_control() => None,
            c => {
                out.push(c);
                None
            }
        };
        if let (Some(list), Some((params, 'm'))) = (sgr.as_deref_mut(), csi) {
            list.push((out.len(), params));
        }
    }
    out
}

/// Skips one escape sequence; a CSI's parameters and final byte are returned.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<(String, char)> {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => {
            skip_string(chars);
            None
        }
        // Two-byte sequences (ESC c, ESC 7, ESC ( B …): the intermediate bytes and the final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars.next_if(|c| ('\u{20}'..='\u{2f}').contains(c)).is_some() {}
            chars.next();
            None
        }
        _ => None,
    }
}

/// CSI: parameter and intermediate bytes up to a final byte in `@`..=`~`.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<(String, char)> {
    let mut params = String::new();
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return Some((params, c));
        }
        if params.len() < 64 {
            params.push(c);
        }
    }
    None
}

/// OSC/DCS/APC/PM strings end at BEL or ST (ESC \).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' if chars.next_if_eq(&'\\').is_some() => return,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_sequences_and_controls() {
        assert_eq!(clean("web-\u{1b}[31mred\u{1b}[0m"), "web-red");
        assert_eq!(clean("a\u{1b}]0;pwned title\u{7}b"), "ab");
        assert_eq!(clean("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b"), "alinkb");
        assert_eq!(clean("clear\u{1b}c\u{1b}(Bok"), "clearok");
        assert_eq!(clean("bell\u{7} del\u{7f} nul\u{0}"), "bell del nul");
        assert_eq!(clean("multi\nline\ttab"), "multi line tab");
        assert_eq!(clean("c1\u{9b}2Jcsi"), "c1csi");
        assert_eq!(clean("ünïcödé ok"), "ünïcödé ok");
        assert_eq!(owned("c1\u{9b}2Jcsi".into()), "c1csi");
        assert_eq!(owned("web-\u{1b}[31mred".into()), "web-red");
        assert_eq!(owned("plain-name".into()), "plain-name");
    }

    #[test]
    fn sgr_sequences_are_reported_where_they_took_effect() {
        let (text, sgr) = clean_keeping_sgr("ok \u{1b}[1;31mFAIL\u{1b}[0m done\u{1b}]0;t\u{7}\u{1b}[2J");
        assert_eq!(text, "ok FAIL done");
        assert_eq!(sgr, [(3, "1;31".to_string()), (7, "0".to_string())], "only SGR, never other CSI or OSC");
    }
}
