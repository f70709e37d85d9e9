//! Shell command lines → lists of commands (`;`, `&&`, `||`, newlines) of words with quotes resolved and
//! `$NAME`/`${NAME}`/`$?` left to expand when each command runs; pure.

/// How a command hangs on the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `;`, a newline, or the first command.
    Then,
    /// `&&`
    And,
    /// `||`
    Or,
}

/// One piece of a word: literal text, or a variable to expand.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

/// A word before expansion; `quoted` once any part of it was quoted or escaped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word(Vec<Piece>, bool);

impl Word {
    /// The word's text, variables read through `lookup` (unset ones expand to nothing); None when an unquoted
    /// word expands to nothing, which sh drops rather than passing an empty argument.
    pub fn expand(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let text: String = self
            .0
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Var(name) => lookup(name).unwrap_or_default(),
            })
            .collect();
        (self.1 || !text.is_empty()).then_some(text)
    }
}

/// The word being built, marked as quoted.
fn quoted(word: &mut Option<Word>) {
    word.get_or_insert_with(Word::default).1 = true;
}

/// A command and how it hangs on the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub op: Op,
    pub words: Vec<Word>,
}

/// Why a line could not be parsed, as dash words it after `sh: N: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

/// Splits a script into commands. Pipes and redirections are not modelled: they are refused rather than guessed.
pub fn parse(script: &str) -> Result<Vec<Command>, SyntaxError> {
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut word: Option<Word> = None;
    let mut op = Op::Then;
    let mut chars = script.chars().peekable();
    let push_text = |word: &mut Option<Word>, c: char| {
        let w = word.get_or_insert_with(Word::default);
        match w.0.last_mut() {
            Some(Piece::Text(t)) => t.push(c),
            _ => w.0.push(Piece::Text(c.to_string())),
        }
    };
    let mut end_command = |words: &mut Vec<Word>, op: &mut Op, next: Op| -> Result<(), SyntaxError> {
        if words.is_empty() {
            if next != Op::Then {
                return Err(SyntaxError(format!("Syntax error: \"{}\" unexpected", op_text(next))));
            }
        } else {
            commands.push(Command { op: *op, words: std::mem::take(words) });
        }
        *op = next;
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\n' | ';' => {
                words.extend(word.take());
                end_command(&mut words, &mut op, Op::Then)?;
            }
            '&' | '|' if chars.peek() == Some(&c) => {
                chars.next();
                words.extend(word.take());
                end_command(&mut words, &mut op, if c == '&' { Op::And } else { Op::Or })?;
            }
            '|' | '&' | '<' | '>' | '(' | ')' | '`' => {
                return Err(SyntaxError(format!("\"{c}\" is not supported by the gpudeck sim's shell")));
            }
            '#' if word.is_none() => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            '\'' => {
                quoted(&mut word);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => push_text(&mut word, c),
                        None => return Err(SyntaxError("Syntax error: Unterminated quoted string".into())),
                    }
                }
            }
            '"' => {
                quoted(&mut word);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if chars.peek().is_some_and(|n| matches!(n, '"' | '\\' | '$' | '`')) => {
                            if let Some(n) = chars.next() {
                                push_text(&mut word, n);
                            }
                        }
                        Some('$') => variable(&mut chars, &mut word, &push_text),
                        Some(c) => push_text(&mut word, c),
                        None => return Err(SyntaxError("Syntax error: Unterminated quoted string".into())),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => {
                    quoted(&mut word);
                    push_text(&mut word, n);
                }
            },
            '$' => variable(&mut chars, &mut word, &push_text),
            c => push_text(&mut word, c),
        }
    }
    words.extend(word.take());
    if words.is_empty() && op != Op::Then {
        return Err(SyntaxError("Syntax error: end of file unexpected".into()));
    }
    end_command(&mut words, &mut op, Op::Then)?;
    Ok(commands)
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Then => ";",
        Op::And => "&&",
        Op::Or => "||",
    }
}

/// After a `$`: `$?`, `$NAME`, `${NAME}`, or a lone `$` kept as text.
fn variable(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    word: &mut Option<Word>,
    push_text: &dyn Fn(&mut Option<Word>, char),
) {
    let name = match chars.peek().copied() {
        Some('?') => {
            chars.next();
            "?".to_string()
        }
        Some('{') => {
            chars.next();
            let mut name = String::new();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                name.push(c);
            }
            name
        }
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            let mut name = String::new();
            while let Some(c) = chars.peek().copied().filter(|c| *c == '_' || c.is_ascii_alphanumeric()) {
                name.push(c);
                chars.next();
            }
            name
        }
        _ => return push_text(word, '$'),
    };
    word.get_or_insert_with(Word::default).0.push(Piece::Var(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &str) -> Vec<(Op, Vec<String>)> {
        let lookup = |name: &str| (name == "HOME").then(|| "/root".to_string());
        parse(script)
            .unwrap()
            .into_iter()
            .map(|c| (c.op, c.words.iter().filter_map(|w| w.expand(&lookup)).collect()))
            .collect()
    }

    #[test]
    fn splits_commands_and_words() {
        assert_eq!(
            texts("echo 'a  b' \"c $HOME\" d\\ e; exit 3"),
            vec![
                (Op::Then, vec!["echo".into(), "a  b".into(), "c /root".into(), "d e".into()]),
                (Op::Then, vec!["exit".into(), "3".into()])
            ]
        );
        assert_eq!(
            texts("false && echo no || echo ${HOME}x # note"),
            vec![
                (Op::Then, vec!["false".to_string()]),
                (Op::And, vec!["echo".into(), "no".into()]),
                (Op::Or, vec!["echo".into(), "/rootx".into()])
            ]
        );
        assert_eq!(texts("echo '' $UNSET"), vec![(Op::Then, vec!["echo".into(), String::new()])]);
        assert_eq!(texts("echo $ 5$"), vec![(Op::Then, vec!["echo".into(), "$".into(), "5$".into()])]);
        assert!(texts("  \n ; ").is_empty());
    }

    #[test]
    fn refuses_what_it_does_not_model() {
        assert_eq!(parse("echo 'x").unwrap_err().0, "Syntax error: Unterminated quoted string");
        assert_eq!(parse("&& x").unwrap_err().0, "Syntax error: \"&&\" unexpected");
        assert!(parse("ls | wc").unwrap_err().0.contains("not supported"));
        assert_eq!(parse("true &&").unwrap_err().0, "Syntax error: end of file unexpected");
    }
}
