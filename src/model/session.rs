//! What `:shell`, `:attach`, `:debug` and `:node-shell` ask for, parsed from their words as kubectl spells the same
//! flags, and how a session's end reads on the status line. No IO.

/// How the terminal reaches the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A new process; an empty command is the first of `bash`, `sh` the container has.
    Exec(Vec<String>),
    /// The container's own process (PID 1), as `kubectl attach -it`.
    Attach,
}

/// What is done once the session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    /// Nothing: the container is the workload's own.
    Keep,
    /// The node shell's Job (and with it its pod) is deleted.
    DeleteJob { namespace: String, name: String },
}

/// One interactive session: which pod and container, how, and what is left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub namespace: String,
    pub pod: String,
    /// None: the pod's first container (the API's default when there is one).
    pub container: Option<String>,
    pub entry: Entry,
    pub cleanup: Cleanup,
    /// What the status line calls it when the pod is only the way in (`node shell gpu-0001`).
    pub label: Option<String>,
}

impl Session {
    /// `shell ml/trainer-0 (main)`, as the status line names it.
    pub fn title(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let verb = match self.entry {
            Entry::Exec(_) => "shell",
            Entry::Attach => "attach",
        };
        let container = self.container.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        format!("{verb} {}/{}{container}", self.namespace, self.pod)
    }
}

/// The words of `:shell [-c CONTAINER] [COMMAND...]` (or `:attach [-c CONTAINER]` when `command` is false).
pub fn parse_shell(args: &[&str], command: bool) -> Result<(Option<String>, Vec<String>), String> {
    let usage = if command { "usage: :shell [-c CONTAINER] [COMMAND...]" } else { "usage: :attach [-c CONTAINER]" };
    let mut container = None;
    let mut words = args.iter();
    let mut rest = Vec::new();
    while let Some(word) = words.next() {
        match *word {
            "-c" | "--container" => container = Some(words.next().ok_or(usage)?.to_string()),
            w if w.starts_with("--container=") => container = w.strip_prefix("--container=").map(str::to_string),
            "--" => {
                rest.extend(words.by_ref().map(|w| w.to_string()));
            }
            w if w.starts_with('-') && rest.is_empty() => return Err(format!("unknown flag {w}; {usage}")),
            w => {
                rest.push(w.to_string());
                rest.extend(words.by_ref().map(|w| w.to_string()));
            }
        }
    }
    if !command && !rest.is_empty() {
        return Err(format!("attach takes no command; {usage}"));
    }
    Ok((container, rest))
}

/// `:debug [--image IMAGE] [--target CONTAINER]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebugArgs {
    pub image: Option<String>,
    /// The container whose process namespace the debug container joins.
    pub target: Option<String>,
}

impl DebugArgs {
    pub fn parse(args: &[&str]) -> Result<DebugArgs, String> {
        const USAGE: &str = "usage: :debug [--image IMAGE] [--target CONTAINER]";
        let mut parsed = DebugArgs::default();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_string())),
                None => (*word, None),
            };
            let mut value = || inline.clone().or_else(|| words.next().map(|w| w.to_string())).ok_or(USAGE);
            match flag {
                "--image" => parsed.image = Some(value()?),
                "--target" => parsed.target = Some(value()?),
                other => return Err(format!("unknown argument {other}; {USAGE}")),
            }
        }
        Ok(parsed)
    }
}

/// Where and how a node shell runs (the config's `node-shell`): its image (with `nsenter`), its namespace, and how
/// long its Job may live if the console never deletes it (a crash, a lost link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShell {
    pub image: String,
    pub namespace: String,
    pub ttl_seconds: i64,
}

/// How a session ended, for the status line: the exit code, or why it could not start or broke off.
pub fn ended(title: &str, result: &Result<i32, String>) -> (bool, String) {
    match result {
        Ok(0) => (false, format!("{title} ended (exit 0)")),
        Ok(code) => (true, format!("{title} ended with exit code {code}")),
        Err(why) => (true, format!("{title}: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_take_a_container_and_the_rest_as_the_command() {
        assert_eq!(parse_shell(&[], true), Ok((None, vec![])));
        assert_eq!(
            parse_shell(&["-c", "main", "nvidia-smi", "-L"], true),
            Ok((Some("main".into()), vec!["nvidia-smi".into(), "-L".into()]))
        );
        assert_eq!(
            parse_shell(&["--container=side", "--", "ls", "-la"], true),
            Ok((Some("side".into()), vec!["ls".into(), "-la".into()]))
        );
        // Flags after the command belong to the command.
        assert_eq!(parse_shell(&["ls", "-c", "x"], true), Ok((None, vec!["ls".into(), "-c".into(), "x".into()])));
        assert!(parse_shell(&["-c"], true).unwrap_err().contains("usage"));
        assert!(parse_shell(&["-x"], true).unwrap_err().contains("unknown flag -x"));
        assert!(parse_shell(&["ls"], false).unwrap_err().contains("attach takes no command"));
        assert_eq!(parse_shell(&["-c", "main"], false), Ok((Some("main".into()), vec![])));
    }

    #[test]
    fn debug_words_take_an_image_and_a_target() {
        assert_eq!(DebugArgs::parse(&[]), Ok(DebugArgs::default()));
        assert_eq!(
            DebugArgs::parse(&["--image", "busybox:1.36", "--target=main"]),
            Ok(DebugArgs { image: Some("busybox:1.36".into()), target: Some("main".into()) })
        );
        assert!(DebugArgs::parse(&["--image"]).unwrap_err().contains("usage"));
        assert!(DebugArgs::parse(&["--privileged"]).unwrap_err().contains("unknown argument --privileged"));
    }

    #[test]
    fn an_ending_reads_as_the_exit_code_or_the_reason() {
        assert_eq!(ended("shell ml/a", &Ok(0)), (false, "shell ml/a ended (exit 0)".into()));
        assert_eq!(ended("shell ml/a", &Ok(3)), (true, "shell ml/a ended with exit code 3".into()));
        assert_eq!(
            ended("shell ml/a", &Err("pod is not running".into())),
            (true, "shell ml/a: pod is not running".into())
        );
    }
}
