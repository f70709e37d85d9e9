//! Makes untrusted cluster text safe for the terminal: escape sequences and control characters never reach it.

/// `clean` for a string already owned: kept as it is when it holds nothing to strip (every escape sequence and C1
/// introducer starts with a control character), so the common case allocates nothing.
pub fn owned(text: String) -> String {
    if text.chars().any(char::is_control) { clean(&text) } else { text }
}

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS and two-byte forms) and control characters; tabs and newlines
/// become spaces so one value stays on one line.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI/OSC/DCS introducers act like ESC [, ESC ], ESC P on some terminals.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' | '\u{90}' => skip_string(&mut chars),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-byte sequences (ESC c, ESC 7, ESC ( B …): the intermediate bytes and the final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars.next_if(|c| ('\u{20}'..='\u{2f}').contains(c)).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes up to a final byte in `@`..=`~`.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
    }
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
}
