//! kubectl's output writer: prefix-writer levels and terminal escaping feeding Go's text/tabwriter alignment.

/// Collects text the way kubectl's `PrefixWriter` does; [`Out::finish`] aligns it like `tabwriter.Flush`.
#[derive(Default)]
pub(super) struct Out {
    buf: String,
    /// Extra levels, as kubectl's `NewNestedPrefixWriter` adds them (its `WriteLine` is indented too).
    pub(super) nested: usize,
}

impl Out {
    /// `w.Write(level, ...)`: indentation then the text, escaped for the terminal.
    pub(super) fn w(&mut self, level: usize, text: &str) {
        for _ in 0..level + self.nested {
            self.buf.push_str("  ");
        }
        escape_into(&mut self.buf, text);
    }

    /// `w.WriteLine(...)`: the text and a newline, no indentation (but a nested writer's).
    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.nested {
            self.buf.push_str("  ");
        }
        escape_into(&mut self.buf, text);
        self.buf.push('\n');
    }

    /// The aligned text.
    pub(super) fn finish(self) -> String {
        align(&self.buf)
    }
}

/// `printers.WriteEscaped`: ESC becomes `^[` and CR becomes `\r` so objects cannot drive the terminal.
fn escape_into(buf: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\x1b' => buf.push_str("^["),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

const PADDING: usize = 2;

/// Go's `text/tabwriter` over a whole buffer: cells are tab-terminated, the last cell of a line is not part of a
/// column, and a column block is a run of consecutive lines that all have a cell in that column.
pub(super) fn align(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut widths = Vec::new();
    format(&lines, &mut widths, 0, lines.len(), &mut out);
    out
}

fn cell_width(cell: &str) -> usize {
    cell.chars().count()
}

fn format(lines: &[Vec<&str>], widths: &mut Vec<usize>, mut line0: usize, line1: usize, out: &mut String) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, widths, line0, this, out);
        line0 = this;
        let mut width = 0;
        while this < line1 {
            let line = &lines[this];
            if column + 1 >= line.len() {
                break;
            }
            width = width.max(cell_width(line[column]) + PADDING);
            this += 1;
        }
        widths.push(width);
        format(lines, widths, line0, this, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, widths, line0, line1, out);
}

fn write_lines(lines: &[Vec<&str>], widths: &[usize], line0: usize, line1: usize, out: &mut String) {
    for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(&w) = widths.get(j) {
                for _ in cell_width(cell)..w {
                    out.push(' ');
                }
            }
        }
        if i + 1 != lines.len() {
            out.push('\n');
        }
    }
}
