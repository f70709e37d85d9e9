//! The deterministic shell a sim container answers exec and attach with: the container as its processes see it
//! (from the pod spec and the GPUs it holds), which shells its image has, and a session fed stdin bytes that
//! answers stdout/stderr bytes and, at the end, an exit; pure (the caller supplies the time and the GPU readings).

mod commands;
mod container;
mod files;
mod nvidia_smi;
mod tty;
mod words;

use commands::{Env, Mode};
pub use container::{Container, Family, Kind, family};

/// Output of a program or a script, in the order it was written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ran {
    /// (is stderr, text)
    chunks: Vec<(bool, String)>,
    status: i32,
    /// `exit` ran: the shell ends.
    exited: bool,
}

impl Ran {
    fn out(text: String) -> Ran {
        Ran { chunks: vec![(false, text)], ..Ran::default() }
    }

    fn code(status: i32) -> Ran {
        Ran { status, ..Ran::default() }
    }

    fn fail(message: String, status: i32) -> Ran {
        Ran { chunks: vec![(true, message)], status, exited: false }
    }

    fn out_more(&mut self, text: &str) {
        self.chunks.push((false, text.to_string()));
    }

    fn err(&mut self, text: String) {
        if !text.is_empty() {
            self.chunks.push((true, text));
        }
    }

    fn append(&mut self, other: Ran) {
        self.chunks.extend(other.chunks);
        self.status = other.status;
        self.exited = other.exited;
    }
}

/// Runs a script the way `env.shell` would: `;`/`&&`/`||` lists, `$VAR` and `$?`, `exit [N]`.
fn script(env: &Env, text: &str) -> Ran {
    let (kind, mode, line) = env.shell.unwrap_or((Kind::Dash, Mode::Command, 1));
    let commands = match words::parse(text) {
        Ok(c) => c,
        Err(e) => {
            let prefix = match (kind, mode) {
                (Kind::Dash, _) => format!("sh: {line}: "),
                (Kind::Bash, Mode::Command) => format!("bash: -c: line {line}: "),
                _ => format!("{}: ", kind.name()),
            };
            return Ran::fail(format!("{prefix}{}\n", e.0), 2);
        }
    };
    let mut ran = Ran { status: env.status, ..Ran::default() };
    for command in commands {
        let skip = match command.op {
            words::Op::Then => false,
            words::Op::And => ran.status != 0,
            words::Op::Or => ran.status == 0,
        };
        if skip {
            continue;
        }
        let status = ran.status;
        let lookup = |name: &str| {
            if name == "?" {
                return Some(status.to_string());
            }
            env.container.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        };
        let argv: Vec<String> = command.words.iter().filter_map(|w| w.expand(&lookup)).collect();
        if argv.first().map(String::as_str) == Some("exit") {
            let code = match argv.get(1) {
                None => status,
                // The shell reports the low 8 bits, as the kernel does.
                Some(n) => match n.parse::<i64>() {
                    Ok(n) => n.rem_euclid(256) as i32,
                    Err(_) => {
                        ran.append(Ran::fail(format!("{}: exit: Illegal number: {n}\n", kind.name()), 2));
                        ran.exited = true;
                        return ran;
                    }
                },
            };
            ran.status = code;
            ran.exited = true;
            return ran;
        }
        let inner = Env { container: env.container, tty: env.tty, shell: env.shell, status };
        ran.append(commands::run(&inner, &argv));
    }
    ran
}

/// How a session starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// `exec` of this command line.
    Exec(Vec<String>),
    /// `attach` to PID 1. The sim's PID 1 is no real process: an attach shows these recent lines of its output
    /// (its log, as `kubectl logs` would show it), then, with stdin, answers as the image's shell does, so an
    /// operator who attaches gets a prompt rather than silence; without stdin it only waits.
    Attach(Vec<String>),
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// The runtime could not start the command; the text is containerd's reason.
    NotStarted(String),
}

/// What one step of a session produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Option<Exit>,
}

/// A shell reading its stdin.
#[derive(Debug)]
struct Reader {
    kind: Kind,
    discipline: tty::Discipline,
    line: u32,
    status: i32,
}

/// One exec or attach: the container, its terminal, and the shell reading input (None when nothing reads it).
#[derive(Debug)]
pub struct Session {
    container: Container,
    tty: bool,
    size: (u16, u16),
    reader: Option<Reader>,
}

impl Session {
    /// Starts `start` in `container`; `stdin` says whether input is attached, `tty` whether it is a terminal.
    pub fn start(mut container: Container, start: Start, stdin: bool, tty: bool) -> (Session, Output) {
        if tty {
            // The runtime sets TERM for a session with a terminal.
            container.env.insert(2, ("TERM".into(), "xterm".into()));
        }
        let mut session = Session { container, tty, size: (0, 0), reader: None };
        let mut out = Output::default();
        match start {
            Start::Exec(argv) => session.exec(&argv, stdin, &mut out),
            Start::Attach(recent) => {
                let text: String = recent.iter().map(|l| format!("{l}\n")).collect();
                session.write(&mut out, &Ran::out(text));
                if stdin && let Some(kind) = session.container.login_shell() {
                    session.read_with(kind, &mut out);
                }
            }
        }
        (session, out)
    }

    fn exec(&mut self, argv: &[String], stdin: bool, out: &mut Output) {
        let Some(program) = argv.first() else {
            out.exit = Some(Exit::Code(0));
            return;
        };
        if !self.container.has(program) {
            out.exit = Some(Exit::NotStarted(not_started(program)));
            return;
        }
        let name = program.rsplit('/').next().unwrap_or(program);
        if name == "nsenter" {
            return self.enter_host(&argv[1..], stdin, out);
        }
        let kind = self.container.shell_kind(name);
        let reads_stdin = kind.is_some() && !argv.iter().any(|a| a == "-c");
        match kind {
            Some(kind) if reads_stdin && stdin => self.read_with(kind, out),
            _ => {
                let env = Env { container: &self.container, tty: self.terminal(), shell: None, status: 0 };
                let ran = commands::run(&env, argv);
                self.write(out, &ran);
                out.exit = Some(Exit::Code(ran.status));
            }
        }
    }

    /// `nsenter [OPTIONS] [--] COMMAND…` into PID 1's namespaces: the rest runs on the node itself where the
    /// container may enter it, else the kernel refuses (exit 1, util-linux's words).
    fn enter_host(&mut self, args: &[String], stdin: bool, out: &mut Output) {
        if !self.container.may_enter_host {
            let ran =
                Ran::fail("nsenter: reassociate to namespace 'ns/ipc' failed: Operation not permitted\n".into(), 1);
            self.write(out, &ran);
            out.exit = Some(Exit::Code(1));
            return;
        }
        let rest: Vec<String> = match args.iter().position(|a| a == "--") {
            Some(i) => args[i + 1..].to_vec(),
            // Options take their values joined (`-t1`) or follow `--target`; what is left after them is the command.
            None => args.iter().skip_while(|a| a.starts_with('-') || a.parse::<u32>().is_ok()).cloned().collect(),
        };
        self.container = self.container.host();
        let command = if rest.is_empty() { vec!["sh".to_string()] } else { rest };
        self.exec(&command, stdin, out);
    }

    /// Hands stdin to a shell of `kind`; on a terminal it prompts.
    fn read_with(&mut self, kind: Kind, out: &mut Output) {
        self.reader = Some(Reader { kind, discipline: tty::Discipline::new(self.tty), line: 0, status: 0 });
        self.prompt(out);
    }

    /// Bytes typed or piped in.
    pub fn input(&mut self, bytes: &[u8]) -> Output {
        let mut out = Output::default();
        let Some(reader) = self.reader.as_mut() else { return out };
        let (echo, events) = reader.discipline.feed(bytes);
        out.stdout.extend(echo);
        self.handle(events, &mut out);
        out
    }

    /// The client closed stdin (v5's close signal).
    pub fn close_stdin(&mut self) -> Output {
        let mut out = Output::default();
        let Some(reader) = self.reader.as_mut() else { return out };
        let events = reader.discipline.close();
        self.handle(events, &mut out);
        out
    }

    /// The terminal was resized.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
    }

    fn terminal(&self) -> Option<(u16, u16)> {
        self.tty.then_some(self.size)
    }

    fn handle(&mut self, events: Vec<tty::Event>, out: &mut Output) {
        for event in events {
            let Some(reader) = self.reader.as_mut() else { return };
            let kind = reader.kind;
            match event {
                tty::Event::Line(line) => {
                    reader.line += 1;
                    let mode = if self.tty { Mode::Interactive } else { Mode::Command };
                    let env = Env {
                        container: &self.container,
                        tty: self.tty.then_some(self.size),
                        shell: Some((kind, mode, reader.line)),
                        status: reader.status,
                    };
                    let ran = script(&env, &line);
                    reader.status = ran.status;
                    self.write(out, &ran);
                    if ran.exited {
                        return self.end(out, ran.status);
                    }
                }
                tty::Event::Interrupt => {
                    reader.status = 130;
                    self.write(out, &Ran::out("\n".into()));
                }
                tty::Event::Eof => {
                    let status = reader.status;
                    return self.end(out, status);
                }
            }
            self.prompt(out);
        }
    }

    fn end(&mut self, out: &mut Output, status: i32) {
        // An interactive bash says so as it leaves.
        if self.tty && self.reader.as_ref().is_some_and(|r| r.kind == Kind::Bash) {
            self.write(out, &Ran::fail("exit\n".into(), 0));
        }
        self.reader = None;
        out.exit = Some(Exit::Code(status));
    }

    /// Only a shell on a terminal prompts (sh reading a pipe is not interactive).
    fn prompt(&self, out: &mut Output) {
        let Some(reader) = self.reader.as_ref().filter(|_| self.tty) else { return };
        let prompt = match reader.kind {
            Kind::Bash => format!("root@{}:/# ", self.container.pod),
            Kind::Dash => "# ".to_string(),
            Kind::Ash => "/ # ".to_string(),
        };
        out.stdout.extend(prompt.as_bytes());
    }

    /// Appends program output: on a terminal both streams share it and newlines become CR LF (onlcr).
    fn write(&self, out: &mut Output, ran: &Ran) {
        for (is_err, text) in &ran.chunks {
            if self.tty {
                out.stdout.extend(text.replace('\n', "\r\n").as_bytes());
            } else if *is_err {
                out.stderr.extend(text.as_bytes());
            } else {
                out.stdout.extend(text.as_bytes());
            }
        }
    }
}

/// containerd's reason when the program is not in the image (kubectl shows it as an internal error, exit 1).
fn not_started(program: &str) -> String {
    let why = if program.contains('/') {
        format!("stat {program}: no such file or directory")
    } else {
        "executable file not found in $PATH".to_string()
    };
    format!("exec: \"{program}\": {why}")
}

#[cfg(test)]
mod tests;
