//! The commands that act on selected objects (`:cordon`, `:uncordon`, `:delete`, `:evict`, `:label`, `:taint`):
//! what each asks for, parsed from its words as kubectl spells the same flags, and which kinds it applies to. No IO.

use std::fmt;

/// What `:delete --cascade` does with the objects the deleted one owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cascade {
    /// The owner goes now; the garbage collector deletes what it owned afterwards (kubectl's default).
    #[default]
    Background,
    /// The owner stays (with a finalizer) until everything it owned is gone.
    Foreground,
    /// What it owned stays, without the owner.
    Orphan,
}

impl Cascade {
    /// The `propagationPolicy` of a DeleteOptions.
    pub fn policy(self) -> &'static str {
        match self {
            Cascade::Background => "Background",
            Cascade::Foreground => "Foreground",
            Cascade::Orphan => "Orphan",
        }
    }
}

/// A taint's effect, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    fn parse(s: &str) -> Option<TaintEffect> {
        Some(match s {
            "NoSchedule" => TaintEffect::NoSchedule,
            "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
            "NoExecute" => TaintEffect::NoExecute,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Cordon,
    Uncordon,
    Delete {
        /// `--force`: with grace 0, the object is removed from the API without waiting for the kubelet.
        force: bool,
        /// `--grace SECONDS`; None: the object's own period.
        grace: Option<i64>,
        cascade: Cascade,
    },
    /// Through the Eviction API, which honours PodDisruptionBudgets.
    Evict,
    /// `KEY=VALUE` sets, `KEY-` (value None) removes.
    Label {
        key: String,
        value: Option<String>,
    },
    /// `KEY[=VALUE]:EFFECT` adds (or replaces the taint of that key and effect); `KEY-` removes every taint of KEY,
    /// `KEY:EFFECT-` only that one.
    Taint {
        key: String,
        value: Option<String>,
        effect: Option<TaintEffect>,
        remove: bool,
    },
}

impl Operation {
    /// Parses `:WORD ARGS…`; None when `word` is not one of these commands.
    pub fn parse(word: &str, args: &[&str]) -> Option<Result<Operation, String>> {
        Some(match word {
            "cordon" => no_args(word, args, Operation::Cordon),
            "uncordon" => no_args(word, args, Operation::Uncordon),
            "evict" => no_args(word, args, Operation::Evict),
            "delete" => delete(args),
            "label" => one_arg(word, args, "KEY=VALUE or KEY-").and_then(label),
            "taint" => one_arg(word, args, "KEY[=VALUE]:EFFECT or KEY-").and_then(taint),
            _ => return None,
        })
    }

    /// The only kind this operation acts on, when it is limited to one.
    pub fn only_kind(&self) -> Option<&'static str> {
        match self {
            Operation::Cordon | Operation::Uncordon | Operation::Taint { .. } => Some("Node"),
            Operation::Evict => Some("Pod"),
            Operation::Delete { .. } | Operation::Label { .. } => None,
        }
    }

    /// The HTTP verb and subresource an RBAC refusal names.
    pub fn verb(&self) -> &'static str {
        match self {
            Operation::Delete { .. } => "delete",
            Operation::Evict => "create",
            _ => "patch",
        }
    }
}

impl fmt::Display for Operation {
    /// The command as the operator would type it again: `delete --force --grace 0`, `label team=ml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::Cordon => write!(f, "cordon"),
            Operation::Uncordon => write!(f, "uncordon"),
            Operation::Evict => write!(f, "evict"),
            Operation::Delete { force, grace, cascade } => {
                write!(f, "delete")?;
                if *force {
                    write!(f, " --force")?;
                }
                if let Some(g) = grace {
                    write!(f, " --grace {g}")?;
                }
                if *cascade != Cascade::Background {
                    write!(f, " --cascade {}", cascade.policy().to_lowercase())?;
                }
                Ok(())
            }
            Operation::Label { key, value: Some(v) } => write!(f, "label {key}={v}"),
            Operation::Label { key, value: None } => write!(f, "label {key}-"),
            Operation::Taint { key, value, effect, remove } => {
                write!(f, "taint {key}")?;
                if let Some(v) = value {
                    write!(f, "={v}")?;
                }
                if let Some(e) = effect {
                    write!(f, ":{}", e.as_str())?;
                }
                if *remove {
                    write!(f, "-")?;
                }
                Ok(())
            }
        }
    }
}

fn no_args(word: &str, args: &[&str], operation: Operation) -> Result<Operation, String> {
    match args.first() {
        None => Ok(operation),
        Some(extra) => Err(format!(":{word} takes no arguments (got \"{extra}\"); it acts on the selected rows")),
    }
}

fn one_arg<'a>(word: &str, args: &[&'a str], usage: &str) -> Result<&'a str, String> {
    match args {
        [one] => Ok(one),
        _ => Err(format!("usage: :{word} {usage}")),
    }
}

fn delete(args: &[&str]) -> Result<Operation, String> {
    let (mut force, mut grace, mut cascade) = (false, None, Cascade::Background);
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (*word, None),
        };
        let mut value = |name: &str| inline.or_else(|| words.next().copied()).ok_or(format!("{name} needs a value"));
        match flag {
            "--force" => force = true,
            "--grace" | "--grace-period" => {
                let v = value("--grace")?;
                grace = Some(
                    v.parse::<i64>()
                        .ok()
                        .filter(|g| *g >= 0)
                        .ok_or(format!("--grace wants whole seconds, 0 or more (got \"{v}\")"))?,
                );
            }
            "--cascade" => {
                cascade = match value("--cascade")? {
                    "background" | "true" => Cascade::Background,
                    "foreground" => Cascade::Foreground,
                    "orphan" | "false" => Cascade::Orphan,
                    other => return Err(format!("--cascade is background, foreground or orphan (got \"{other}\")")),
                }
            }
            other => return Err(format!("unknown flag \"{other}\" for :delete (--force, --grace SECONDS, --cascade)")),
        }
    }
    // As kubectl: --force alone means "now", which is grace 0.
    if force && grace.is_none() {
        grace = Some(0);
    }
    Ok(Operation::Delete { force, grace, cascade })
}

fn label(arg: &str) -> Result<Operation, String> {
    if let Some(key) = arg.strip_suffix('-') {
        return qualified(key).map(|key| Operation::Label { key, value: None });
    }
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!("\"{arg}\": a label is KEY=VALUE, or KEY- to remove it"));
    };
    valid_value(value)?;
    qualified(key).map(|key| Operation::Label { key, value: Some(value.to_string()) })
}

fn taint(arg: &str) -> Result<Operation, String> {
    let (spec, remove) = match arg.strip_suffix('-') {
        Some(spec) => (spec, true),
        None => (arg, false),
    };
    let (key_value, effect) = match spec.rsplit_once(':') {
        Some((kv, e)) => {
            let effect = TaintEffect::parse(e)
                .ok_or(format!("\"{e}\": a taint's effect is NoSchedule, PreferNoSchedule or NoExecute"))?;
            (kv, Some(effect))
        }
        None if remove => (spec, None),
        None => return Err(format!("\"{arg}\": a taint is KEY[=VALUE]:EFFECT, or KEY- to remove it")),
    };
    let (key, value) = match key_value.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (key_value, None),
    };
    if let Some(v) = value {
        valid_value(v)?;
    }
    let key = qualified(key)?;
    Ok(Operation::Taint { key, value: value.map(String::from), effect, remove })
}

/// A label or taint key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
fn qualified(key: &str) -> Result<String, String> {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = prefix.is_empty()
        || (prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            }));
    if prefix_ok && name.len() <= 63 && crate::selector::is_qualified_name(name) {
        Ok(key.to_string())
    } else {
        Err(format!("\"{key}\" is not a valid key (a DNS-style prefix/ and 63 letters, digits, - _ . at most)"))
    }
}

fn valid_value(value: &str) -> Result<(), String> {
    let ok = value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && value.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
        && value.chars().last().is_none_or(|c| c.is_ascii_alphanumeric());
    if ok { Ok(()) } else { Err(format!("\"{value}\" is not a valid value (63 letters, digits, - _ . at most)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Operation, String> {
        let mut words = line.split_whitespace();
        let word = words.next().unwrap();
        Operation::parse(word, &words.collect::<Vec<_>>()).expect("a command of these")
    }

    #[test]
    fn commands_parse_as_kubectl_spells_their_flags_and_print_back() {
        assert_eq!(parse("cordon"), Ok(Operation::Cordon));
        assert_eq!(
            parse("delete --force"),
            Ok(Operation::Delete { force: true, grace: Some(0), cascade: Cascade::Background }),
            "--force alone is grace 0, as kubectl"
        );
        let d = parse("delete --grace=30 --cascade orphan").unwrap();
        assert_eq!(d, Operation::Delete { force: false, grace: Some(30), cascade: Cascade::Orphan });
        assert_eq!(d.to_string(), "delete --grace 30 --cascade orphan");
        assert_eq!(parse("label team=ml").unwrap().to_string(), "label team=ml");
        assert_eq!(
            parse("label gpudeck.io/validated-"),
            Ok(Operation::Label { key: "gpudeck.io/validated".into(), value: None })
        );
        let t = parse("taint nvidia.com/gpu=broken:NoSchedule").unwrap();
        assert_eq!(
            t,
            Operation::Taint {
                key: "nvidia.com/gpu".into(),
                value: Some("broken".into()),
                effect: Some(TaintEffect::NoSchedule),
                remove: false
            }
        );
        assert_eq!(t.to_string(), "taint nvidia.com/gpu=broken:NoSchedule");
        assert_eq!(
            parse("taint dedicated-"),
            Ok(Operation::Taint { key: "dedicated".into(), value: None, effect: None, remove: true })
        );
        assert_eq!(parse("taint dedicated:NoExecute-").unwrap().to_string(), "taint dedicated:NoExecute-");
        assert_eq!(Operation::parse("pods", &[]), None, "not one of these commands");
    }

    #[test]
    fn bad_words_say_what_is_wrong() {
        for (line, says) in [
            ("cordon now", "takes no arguments"),
            ("delete --grace -3", "0 or more"),
            ("delete --grace", "needs a value"),
            ("delete --cascade sideways", "background, foreground or orphan"),
            ("delete --now", "unknown flag \"--now\""),
            ("label team", "KEY=VALUE"),
            ("label", "usage: :label"),
            ("label bad key=x", "usage: :label"),
            ("label team=has/slash", "not a valid value"),
            ("label -team=x", "not a valid key"),
            ("taint dedicated=x", "KEY[=VALUE]:EFFECT"),
            ("taint dedicated=x:Never", "NoSchedule, PreferNoSchedule or NoExecute"),
        ] {
            let why = parse(line).expect_err(line);
            assert!(why.contains(says), "{line}: {why}");
        }
    }
}
