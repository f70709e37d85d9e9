//! The terminal's line discipline on the container side: with a tty it echoes what is typed, erases on backspace,
//! turns Enter into a line, ctrl-c into an interrupt and ctrl-d on an empty line into end of input; without one it
//! only splits input into lines; pure.

/// What the typed input amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Line(String),
    Interrupt,
    /// ctrl-d on an empty line (tty), or the end of stdin.
    Eof,
}

/// Input not yet forming a line, and how much of an escape sequence is being skipped.
#[derive(Debug, Default)]
pub struct Discipline {
    tty: bool,
    line: Vec<u8>,
    /// 1 after ESC, 2 inside `ESC [` … (cursor keys and the like, which the sim's shell does not edit with).
    escape: u8,
}

impl Discipline {
    pub fn new(tty: bool) -> Self {
        Discipline { tty, ..Discipline::default() }
    }

    /// Feeds input; returns the echo to send back (empty without a tty) and the events it completed.
    pub fn feed(&mut self, bytes: &[u8]) -> (Vec<u8>, Vec<Event>) {
        let mut echo = Vec::new();
        let mut events = Vec::new();
        for &b in bytes {
            if !self.tty {
                match b {
                    b'\n' => events.push(Event::Line(self.take())),
                    b => self.line.push(b),
                }
                continue;
            }
            match (self.escape, b) {
                (1, b'[' | b'O') => self.escape = 2,
                (1, _) => self.escape = 0,
                (2, 0x40..=0x7e) => self.escape = 0,
                (2, _) => {}
                (_, 0x1b) => self.escape = 1,
                // Enter: a raw-mode client sends CR; the terminal maps it to a newline (icrnl) and echoes CR LF.
                (_, b'\r' | b'\n') => {
                    echo.extend_from_slice(b"\r\n");
                    events.push(Event::Line(self.take()));
                }
                (_, 0x7f | 0x08) => {
                    if self.pop_char() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                (_, 0x03) => {
                    echo.extend_from_slice(b"^C");
                    self.line.clear();
                    events.push(Event::Interrupt);
                }
                (_, 0x04) if self.line.is_empty() => events.push(Event::Eof),
                // ctrl-u: kill the line.
                (_, 0x15) => {
                    while self.pop_char() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                (_, b) if b < 0x20 => {}
                (_, b) => {
                    self.line.push(b);
                    echo.push(b);
                }
            }
        }
        (echo, events)
    }

    /// The end of stdin: a pending partial line still runs, then input ends.
    pub fn close(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if !self.line.is_empty() {
            events.push(Event::Line(self.take()));
        }
        events.push(Event::Eof);
        events
    }

    fn take(&mut self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned()
    }

    /// Removes the last character (all of its UTF-8 bytes); false when the line is empty.
    fn pop_char(&mut self) -> bool {
        let Some(mut b) = self.line.pop() else { return false };
        while b & 0xc0 == 0x80 {
            match self.line.pop() {
                Some(prev) => b = prev,
                None => break,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tty_echoes_edits_and_interrupts() {
        let mut d = Discipline::new(true);
        let (echo, events) = d.feed(b"lz\x7fs\x1b[A\r");
        assert_eq!(echo, b"lz\x08 \x08s\r\n");
        assert_eq!(events, vec![Event::Line("ls".into())]);
        let (echo, events) = d.feed(b"ec\x03\x04");
        assert_eq!(echo, b"ec^C");
        assert_eq!(events, vec![Event::Interrupt, Event::Eof]);
        let (echo, events) = d.feed("é\x7f\x7f".as_bytes());
        assert_eq!(echo, "é\x08 \x08".as_bytes());
        assert!(events.is_empty());
    }

    #[test]
    fn without_a_tty_input_is_only_split_into_lines() {
        let mut d = Discipline::new(false);
        let (echo, events) = d.feed(b"echo hi\nexit");
        assert!(echo.is_empty());
        assert_eq!(events, vec![Event::Line("echo hi".into())]);
        assert_eq!(d.close(), vec![Event::Line("exit".into()), Event::Eof]);
    }
}
