//! A terminal backend that writes nothing for a frame without changes: ratatui's crossterm backend otherwise resets
//! colours and hides the cursor on every draw, about 30 bytes a frame that an idle SSH link would carry for nothing.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

pub struct QuietBackend<B> {
    inner: B,
    /// Whether the cursor is known to be hidden, so hiding it again can be skipped.
    cursor_hidden: bool,
}

impl<B> QuietBackend<B> {
    pub fn new(inner: B) -> Self {
        QuietBackend { inner, cursor_hidden: false }
    }
}

impl<B: Backend> Backend for QuietBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_hidden {
            return Ok(());
        }
        self.cursor_hidden = true;
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.cursor_hidden = false;
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::CrosstermBackend;
    use ratatui::widgets::Paragraph;
    use std::cell::Cell as Counter;
    use std::rc::Rc;

    /// Counts the bytes a terminal would receive.
    struct Wire(Rc<Counter<usize>>);

    impl std::io::Write for Wire {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_unchanged_frame_writes_nothing() {
        let sent = Rc::new(Counter::new(0));
        let backend = QuietBackend::new(CrosstermBackend::new(Wire(sent.clone())));
        let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 20, 2));
        let mut terminal = Terminal::with_options(backend, ratatui::TerminalOptions { viewport }).unwrap();
        let mut frame = |text: &str| {
            let before = sent.get();
            terminal.draw(|f| f.render_widget(Paragraph::new(text.to_string()), f.area())).unwrap();
            sent.get() - before
        };
        assert!(frame("hello") > 5);
        assert_eq!(frame("hello"), 0);
        let changed = frame("hellp");
        assert!((1..40).contains(&changed), "only the changed cell goes out: {changed} bytes");
    }
}
