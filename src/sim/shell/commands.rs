//! The programs a sim container has (`hostname`, `env`, `cat`, `ls`, `ps`, `echo`, `stty`, `nvidia-smi`, the
//! shells …), each a pure function of the container and its arguments, with the error wording of the image's tools.

use super::files::{self, Node};
use super::{Container, Family, Kind, Ran, nvidia_smi, script};

/// Where a program runs: the container, its terminal, and the shell that started it (for error wording).
pub struct Env<'a> {
    pub container: &'a Container,
    /// Some((cols, rows)) when stdin is a terminal.
    pub tty: Option<(u16, u16)>,
    /// The shell running this command, if any, and its current input line (dash numbers its messages by it).
    pub shell: Option<(Kind, Mode, u32)>,
    /// `$?` as the shell sees it.
    pub status: i32,
}

/// How the shell was started: the message prefix of bash and dash depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    /// `sh -c SCRIPT`
    Command,
}

const PROGRAMS: &[&str] =
    &["cat", "echo", "env", "false", "hostname", "id", "ls", "printenv", "ps", "pwd", "stty", "tput", "true", "whoami"];

/// Whether the container's image has `program` (a name or a path); distroless images have none of these.
pub fn exists(c: &Container, program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    match name {
        "sh" => c.family != Family::Distroless,
        "bash" => c.family == Family::Glibc,
        // The NVIDIA container toolkit mounts the tool only into containers it gave GPUs to.
        "nvidia-smi" => !c.gpus.is_empty(),
        // busybox has the applet, glibc images util-linux's.
        "nsenter" => c.family != Family::Distroless,
        _ => c.family != Family::Distroless && PROGRAMS.contains(&name),
    }
}

/// Runs `argv` (already expanded); the caller has checked that the program exists or wants its not-found message.
pub fn run(env: &Env, argv: &[String]) -> Ran {
    let c = env.container;
    let Some(program) = argv.first() else { return Ran::default() };
    let args = &argv[1..];
    let name = program.rsplit('/').next().unwrap_or(program);
    if !exists(c, program) {
        return not_found(env, program);
    }
    match name {
        "hostname" => Ran::out(format!("{}\n", c.pod)),
        "env" => Ran::out(c.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect()),
        "printenv" => match args.first() {
            None => Ran::out(c.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect()),
            Some(k) => c.env.iter().find(|(n, _)| n == k).map_or(Ran::code(1), |(_, v)| Ran::out(format!("{v}\n"))),
        },
        "echo" => match args.first().map(String::as_str) {
            Some("-n") => Ran::out(args[1..].join(" ")),
            _ => Ran::out(format!("{}\n", args.join(" "))),
        },
        "true" => Ran::default(),
        "false" => Ran::code(1),
        "pwd" => Ran::out("/\n".into()),
        "whoami" => Ran::out("root\n".into()),
        "id" => Ran::out("uid=0(root) gid=0(root) groups=0(root)\n".into()),
        "cat" => cat(c, args),
        "ls" => ls(env, args),
        "ps" => ps(env),
        "stty" => stty(env, args),
        "tput" => tput(env, args),
        "nvidia-smi" => {
            let (out, err, code) = nvidia_smi::run(&c.gpus, args, c.now);
            let mut ran = Ran::out(out);
            ran.err(err);
            ran.status = code;
            ran
        }
        "sh" | "bash" => {
            let kind = c.shell_kind(name).unwrap_or(Kind::Dash);
            match args.iter().position(|a| a == "-c") {
                Some(i) => {
                    let Some(text) = args.get(i + 1) else {
                        return Ran::fail(format!("{}: -c: option requires an argument\n", kind.name()), 2);
                    };
                    let inner = Env { container: c, tty: env.tty, shell: Some((kind, Mode::Command, 1)), status: 0 };
                    // `exit` ends this shell only, not the one that started it.
                    Ran { exited: false, ..script(&inner, text) }
                }
                // A shell reading a stdin the sim does not pass on: it reads end of input and exits.
                None => Ran::default(),
            }
        }
        _ => not_found(env, program),
    }
}

/// The shell's message for a program it cannot find, exit 127; outside a shell the runtime's (see `exec`).
pub fn not_found(env: &Env, program: &str) -> Ran {
    let message = match env.shell {
        Some((Kind::Bash, Mode::Interactive, _)) => format!("bash: {program}: command not found\n"),
        Some((Kind::Bash, Mode::Command, line)) => format!("bash: line {line}: {program}: command not found\n"),
        Some((Kind::Dash, _, line)) => format!("sh: {line}: {program}: not found\n"),
        Some((Kind::Ash, _, _)) | None => format!("sh: {program}: not found\n"),
    };
    Ran::fail(message, 127)
}

fn cat(c: &Container, args: &[String]) -> Ran {
    let mut ran = Ran::default();
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        match files::lookup(c, &files::absolute("/", path)) {
            Some(Node::File(text)) => ran.out_more(&text),
            Some(Node::Dir(_)) => {
                ran.err(format!("cat: {path}: Is a directory\n"));
                ran.status = 1;
            }
            None => {
                ran.err(format!("cat: {path}: No such file or directory\n"));
                ran.status = 1;
            }
        }
    }
    ran
}

fn ls(env: &Env, args: &[String]) -> Ran {
    let c = env.container;
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let targets: Vec<String> =
        if paths.is_empty() { vec![".".into()] } else { paths.iter().map(|p| p.to_string()).collect() };
    let mut ran = Ran::default();
    let several = targets.len() > 1;
    for (i, path) in targets.iter().enumerate() {
        match files::lookup(c, &files::absolute("/", path)) {
            Some(Node::Dir(names)) => {
                if several {
                    ran.out_more(&format!("{}{path}:\n", if i > 0 { "\n" } else { "" }));
                }
                ran.out_more(&layout(&names, env.tty.map(|(cols, _)| cols)));
            }
            Some(Node::File(_)) => ran.out_more(&format!("{path}\n")),
            None if c.family == Family::Busybox => {
                ran.err(format!("ls: {path}: No such file or directory\n"));
                ran.status = 1;
            }
            None => {
                ran.err(format!("ls: cannot access '{path}': No such file or directory\n"));
                ran.status = 2;
            }
        }
    }
    ran
}

/// One name a line when stdout is not a terminal; columns filled top to bottom on a terminal, as ls does.
fn layout(names: &[&str], cols: Option<u16>) -> String {
    let Some(cols) = cols else { return names.iter().map(|n| format!("{n}\n")).collect() };
    if names.is_empty() {
        return String::new();
    }
    let width = if cols == 0 { 80 } else { usize::from(cols) };
    let cell = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 2;
    let per_row = (width / cell).max(1);
    let rows = names.len().div_ceil(per_row);
    let mut out = String::new();
    for r in 0..rows {
        let row: Vec<&str> = (0..per_row).filter_map(|k| names.get(k * rows + r).copied()).collect();
        for (k, name) in row.iter().enumerate() {
            if k + 1 == row.len() {
                out.push_str(name);
            } else {
                out.push_str(&format!("{name:<cell$}"));
            }
        }
        out.push('\n');
    }
    out
}

/// PID 1 is the container's command; the session's shell and `ps` itself follow.
fn ps(env: &Env) -> Ran {
    let c = env.container;
    let tty = if env.tty.is_some() { "pts/0" } else { "?" };
    let mut procs: Vec<(u32, &str, String)> = vec![(1, "?", c.pid1.join(" "))];
    if let Some((kind, _, _)) = env.shell {
        procs.push((7, tty, kind.name().to_string()));
    }
    procs.push((if env.shell.is_some() { 13 } else { 7 }, tty, "ps".into()));
    if c.family == Family::Busybox {
        let mut out = String::from("PID   USER     TIME  COMMAND\n");
        for (pid, _, args) in &procs {
            out.push_str(&format!("{pid:>5} root      0:00 {args}\n"));
        }
        return Ran::out(out);
    }
    let mut out = String::from("    PID TTY          TIME CMD\n");
    for (pid, tty, args) in &procs {
        // procps prints the command name (comm): the program's base name, at most 15 characters.
        let program = args.split(' ').next().unwrap_or_default();
        let comm: String = program.rsplit('/').next().unwrap_or(program).chars().take(15).collect();
        out.push_str(&format!("{pid:>7} {tty:<8} 00:00:00 {comm}\n"));
    }
    Ran::out(out)
}

fn stty(env: &Env, args: &[String]) -> Ran {
    match (env.tty, args.first().map(String::as_str)) {
        (None, _) => Ran::fail("stty: 'standard input': Inappropriate ioctl for device\n".into(), 1),
        (Some((cols, rows)), Some("size")) => Ran::out(format!("{rows} {cols}\n")),
        (Some(_), _) => Ran::default(),
    }
}

fn tput(env: &Env, args: &[String]) -> Ran {
    // Without a terminal tput falls back to terminfo's defaults for TERM (80x24), as ncurses does.
    let (cols, rows) = env.tty.filter(|(c, r)| *c > 0 && *r > 0).unwrap_or((80, 24));
    match args.first().map(String::as_str) {
        Some("cols") => Ran::out(format!("{cols}\n")),
        Some("lines") => Ran::out(format!("{rows}\n")),
        Some(other) => Ran::fail(format!("tput: unknown terminfo capability '{other}'\n"), 4),
        None => Ran::fail("usage: tput [-V] [-S] [-T term] capname\n".into(), 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_lays_out_columns_only_on_a_terminal() {
        assert_eq!(layout(&["a", "b", "c"], None), "a\nb\nc\n");
        assert_eq!(layout(&["bin", "dev", "etc", "usr", "var"], Some(16)), "bin  etc  var\ndev  usr\n");
    }
}
