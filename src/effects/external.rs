//! $EDITOR: write the text to a private temporary file, run the operator's editor on it, read back what it left.
//! Blocking; the app loop calls it with the terminal handed over.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process::Command;

/// The editor command: $VISUAL, then $EDITOR, then vi, run through `sh -c` so it may carry arguments
/// (`code --wait`), as git runs it.
fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor on `text`; the file is removed afterwards whatever happens.
pub fn edit(text: &str, generation: u64) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!("gpudeck-edit-{}-{generation}.yaml", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        drop(file);
        let editor = editor_command();
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(&path)
            .status()
            .map_err(|e| format!("cannot run {editor}: {e}"))?;
        if !status.success() {
            return Err(format!("{editor} exited with {status}; the edit was not used"));
        }
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    })();
    let _ = std::fs::remove_file(&path);
    result
}
