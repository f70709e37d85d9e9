//! Shared describe pieces: JSON access, times and ages, label/annotation/taint/toleration blocks, selectors, events.

use super::gosort;
use super::tabwriter::Out;
use serde_json::Value;

static NULL: Value = Value::Null;

/// The value at a path of object keys, or null.
pub(super) fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return &NULL,
        }
    }
    cur
}

/// A string field, empty when absent (Go's zero value).
pub(super) fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).as_str().unwrap_or("")
}

/// An integer field, zero when absent.
pub(super) fn int(v: &Value, path: &[&str]) -> i64 {
    let f = at(v, path);
    f.as_i64().or_else(|| f.as_f64().map(|x| x as i64)).unwrap_or(0)
}

/// A boolean field, false when absent.
pub(super) fn flag(v: &Value, path: &[&str]) -> bool {
    at(v, path).as_bool().unwrap_or(false)
}

/// An array field, empty when absent.
pub(super) fn list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path).as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A map field's entries sorted by key, values as text.
pub(super) fn string_map(v: &Value) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = match v.as_object() {
        Some(m) => m.iter().map(|(k, v)| (k.as_str(), plain(v))).collect(),
        None => Vec::new(),
    };
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// A scalar as Go's `%v` prints it.
pub(super) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        other => other.to_string(),
    }
}

/// A string or `<none>` (kubectl's `stringOrNone`).
pub(super) fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

/// An int-or-string (`intstr.IntOrString.String()`), `<nil>` when absent.
pub(super) fn int_or_string(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        other => plain(other),
    }
}

/// True/False as kubectl's `printBool`.
pub(super) fn go_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// An RFC 3339 time as unix nanoseconds.
pub(super) fn parse_time(v: &Value) -> Option<i128> {
    let ts: jiff::Timestamp = v.as_str()?.parse().ok()?;
    Some(ts.as_nanosecond())
}

/// `time.Format(time.RFC1123Z)` in UTC; Go's zero time when absent.
pub(super) fn rfc1123z(v: &Value) -> String {
    let Some(ts) = v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) else {
        return "Mon, 01 Jan 0001 00:00:00 +0000".to_string();
    };
    ts.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// `translateTimestampSince`: `<unknown>` for a missing time, else the human age.
pub(super) fn since(v: &Value, now: i64) -> String {
    match parse_time(v) {
        Some(t) => human_duration(i128::from(now) * 1_000_000_000 - t),
        None => "<unknown>".to_string(),
    }
}

/// apimachinery's `duration.HumanDuration` of a span in nanoseconds.
pub(super) fn human_duration(nanos: i128) -> String {
    let seconds = nanos / 1_000_000_000;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{}h", hours / 24, h) };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 { format!("{}y", hours / 24 / 365) } else { format!("{}y{}d", hours / 24 / 365, dy) };
    }
    format!("{}y", hours / 24 / 365)
}

/// `printLabelsMultiline`: `Title:\tk=v` then one aligned line per further label.
pub(super) fn labels_block(w: &mut Out, title: &str, labels: &Value) {
    labels_block_indented(w, "", title, labels);
}

/// `printLabelsMultilineWithIndent`: as [`labels_block`], with `indent` before the title and every further line.
pub(super) fn labels_block_indented(w: &mut Out, indent: &str, title: &str, labels: &Value) {
    w.w(0, &format!("{indent}{title}:\t"));
    let entries = string_map(labels);
    if entries.is_empty() {
        w.line("<none>");
        return;
    }
    for (i, (k, v)) in entries.iter().enumerate() {
        if i != 0 {
            w.w(0, &format!("{indent}\t"));
        }
        w.w(0, &format!("{k}={v}\n"));
    }
}

/// Name, Namespace, Labels and Annotations: the opening most describers share.
pub(super) fn meta_header(w: &mut Out, obj: &Value) {
    let meta = at(obj, &["metadata"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    labels_block(w, "Labels", at(meta, &["labels"]));
    annotations_block(w, "Annotations", at(meta, &["annotations"]));
}

const MAX_ANNOTATION_LEN: usize = 140;

/// `printAnnotationsMultiline`: sorted, last-applied-configuration skipped, long or multi-line values folded.
pub(super) fn annotations_block(w: &mut Out, title: &str, annotations: &Value) {
    w.w(0, &format!("{title}:\t"));
    let entries: Vec<_> = string_map(annotations)
        .into_iter()
        .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if entries.is_empty() {
        w.line("<none>");
        return;
    }
    for (i, (key, value)) in entries.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.w(0, &format!("{key}:\n"));
            for part in value.split('\n') {
                w.w(0, &format!("\t  {}\n", shorten(part, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.w(0, &format!("{key}: {value}\n"));
        }
    }
}

/// Go's `s[:max] + "..."` on bytes, kept on a character boundary.
pub(super) fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// `Taint.ToString()`.
pub(super) fn taint_string(t: &Value) -> String {
    let (key, value, effect) = (s(t, &["key"]), s(t, &["value"]), s(t, &["effect"]));
    match (value.is_empty(), effect.is_empty()) {
        (true, true) => key.to_string(),
        (false, true) => format!("{key}={value}:"),
        (true, false) => format!("{key}:{effect}"),
        (false, false) => format!("{key}={value}:{effect}"),
    }
}

/// `printTaintsMultilineWithIndent`: sorted by effect then key.
pub(super) fn taints_block(w: &mut Out, title: &str, taints: &[Value]) {
    w.w(0, &format!("{title}:\t"));
    if taints.is_empty() {
        w.line("<none>");
        return;
    }
    let mut sorted: Vec<&Value> = taints.iter().collect();
    let key = |t: &Value| format!("{},{}", s(t, &["effect"]), s(t, &["key"]));
    gosort::sort(&mut sorted, |a, b| key(a) < key(b));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        w.w(0, &format!("{}\n", taint_string(t)));
    }
}

/// `printTolerationsMultilineWithIndent`: sorted by key, `key=value:Effect op=Exists for 300s`.
pub(super) fn tolerations_block(w: &mut Out, title: &str, tolerations: &[Value]) {
    w.w(0, &format!("{title}:\t"));
    if tolerations.is_empty() {
        w.line("<none>");
        return;
    }
    let mut sorted: Vec<&Value> = tolerations.iter().collect();
    gosort::sort(&mut sorted, |a, b| s(a, &["key"]) < s(b, &["key"]));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let (key, value, effect) = (s(t, &["key"]), s(t, &["value"]), s(t, &["effect"]));
        let mut line = key.to_string();
        if !value.is_empty() {
            line.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            line.push_str(&format!(":{effect}"));
        }
        if s(t, &["operator"]) == "Exists" && value.is_empty() {
            line.push_str(if key.is_empty() && effect.is_empty() { "op=Exists" } else { " op=Exists" });
        }
        if let Some(secs) = at(t, &["tolerationSeconds"]).as_i64() {
            line.push_str(&format!(" for {secs}s"));
        }
        line.push('\n');
        w.w(0, &line);
    }
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted, `<none>` when empty.
pub(super) fn format_labels(m: &Value) -> String {
    let entries = string_map(m);
    if entries.is_empty() {
        return "<none>".to_string();
    }
    entries.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key, set values sorted.
pub(super) fn format_selector(sel: &Value) -> String {
    let mut reqs: Vec<(String, String)> =
        string_map(at(sel, &["matchLabels"])).into_iter().map(|(k, v)| (k.to_string(), format!("{k}={v}"))).collect();
    for e in list(sel, &["matchExpressions"]) {
        let key = s(e, &["key"]);
        let mut values: Vec<String> = list(e, &["values"]).iter().map(plain).collect();
        values.sort();
        let text = match s(e, &["operator"]) {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other} ({})", values.join(",")),
        };
        reqs.push((key.to_string(), text));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(",")
}

/// `metav1.FormatLabelSelector`: the selector text, `<none>` when it selects everything.
pub(super) fn label_selector(sel: &Value) -> String {
    let text = format_selector(sel);
    if text.is_empty() { "<none>".to_string() } else { text }
}

/// A string list as Go's `%v` prints a slice: `[a b]`.
pub(super) fn go_list(items: &[Value]) -> String {
    format!("[{}]", items.iter().map(plain).collect::<Vec<_>>().join(" "))
}

/// `metav1.Time.String()` (Go's `time.Time.String` in UTC); the zero time when absent.
pub(super) fn go_time(v: &Value) -> String {
    match v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
        Some(ts) => ts.strftime("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        None => "0001-01-01 00:00:00 +0000 UTC".to_string(),
    }
}

/// Go's `%q` for the plain names describers quote: backslash and double quote escaped, controls as `\xNN`.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The events about `obj`, as kubectl's field selector (involvedObject name, namespace, kind, uid) finds them; a
/// Node's events may also carry the node name as uid.
pub(super) fn events_for<'a>(obj: &Value, events: &'a [Value]) -> Vec<&'a Value> {
    let name = s(obj, &["metadata", "name"]);
    let namespace = s(obj, &["metadata", "namespace"]);
    let kind = s(obj, &["kind"]);
    let uid = s(obj, &["metadata", "uid"]);
    let mut found: Vec<&Value> = events
        .iter()
        .filter(|e| {
            let io = at(e, &["involvedObject"]);
            let (e_kind, e_uid) = (s(io, &["kind"]), s(io, &["uid"]));
            s(io, &["name"]) == name
                && s(io, &["namespace"]) == namespace
                && (e_kind.is_empty() || kind.is_empty() || e_kind == kind)
                && (e_uid.is_empty() || uid.is_empty() || e_uid == uid || (kind == "Node" && e_uid == name))
        })
        .collect();
    // The apiserver lists in storage-key order (namespace, name); for a Node kubectl appends the events recorded
    // under the node name as uid after those under its real uid.
    found.sort_by(|a, b| {
        let key = |e: &Value| {
            let by_name = kind == "Node" && s(e, &["involvedObject", "uid"]) == name && name != uid;
            (by_name, s(e, &["metadata", "namespace"]).to_string(), s(e, &["metadata", "name"]).to_string())
        };
        key(a).cmp(&key(b))
    });
    found
}

/// kubectl's `DescribeEvents`: sorted by last timestamp, `Age (xN over First)` for repeats, `<none>` when empty.
pub(super) fn events_block(w: &mut Out, events: &[&Value], now: i64) {
    if events.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    let mut sorted: Vec<&Value> = events.to_vec();
    let last = |e: &Value| parse_time(at(e, &["lastTimestamp"])).unwrap_or(i128::MIN);
    gosort::sort(&mut sorted, |a, b| last(a) < last(b));
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let event_time = at(e, &["eventTime"]);
        let first = if parse_time(event_time).is_some() {
            since(event_time, now)
        } else {
            since(at(e, &["firstTimestamp"]), now)
        };
        let series = at(e, &["series"]);
        let count = int(e, &["count"]);
        let interval = if !series.is_null() {
            let last = since(at(series, &["lastObservedTime"]), now);
            format!("{last} (x{} over {first})", int(series, &["count"]))
        } else if count > 1 {
            format!("{} (x{count} over {first})", since(at(e, &["lastTimestamp"]), now))
        } else {
            first
        };
        let mut source = s(e, &["source", "component"]);
        if source.is_empty() {
            source = s(e, &["reportingComponent"]);
        }
        w.w(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                s(e, &["type"]),
                s(e, &["reason"]),
                s(e, &["message"]).trim()
            ),
        );
    }
}

/// A conditions table's rows as kubectl prints them: type, status, the `probe` time (a node's heartbeat, a claim's
/// probe), the transition time, reason and message.
pub(super) fn condition_rows(w: &mut Out, conditions: &[Value], probe: &str) {
    for c in conditions {
        w.w(
            1,
            &format!(
                "{} \t{} \t{} \t{} \t{} \t{}\n",
                s(c, &["type"]),
                s(c, &["status"]),
                rfc1123z(at(c, &[probe])),
                rfc1123z(at(c, &["lastTransitionTime"])),
                s(c, &["reason"]),
                s(c, &["message"])
            ),
        );
    }
}
