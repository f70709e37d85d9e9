//! tmux harness: the real binary in a tmux server of its own, keys sent, screens captured.

use std::process::Command;
use std::time::{Duration, Instant};

/// One tmux server of its own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
    pub home: tempfile::TempDir,
}

pub fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

impl Tmux {
    /// Starts `gpudeck --demo` in a 120×32 pane with an empty HOME; `env` adds variables.
    pub fn start(name: &str, env: &[(&str, &str)], keymap: Option<&str>) -> Tmux {
        Tmux::start_sized(name, env, keymap, (120, 32))
    }

    pub fn start_sized(name: &str, env: &[(&str, &str)], keymap: Option<&str>, size: (u16, u16)) -> Tmux {
        Tmux::start_with(name, env, keymap, size, "--demo")
    }

    /// Starts gpudeck with `args` (the cluster to use) in a pane of `width`×`height`.
    pub fn start_with(
        name: &str,
        env: &[(&str, &str)],
        keymap: Option<&str>,
        (width, height): (u16, u16),
        args: &str,
    ) -> Tmux {
        let home = tempfile::tempdir().unwrap();
        if let Some(text) = keymap {
            let dir = home.path().join(".config/gpudeck");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("keymap.toml"), text).unwrap();
        }
        let socket = format!("gpudeck-e2e-{}-{name}", std::process::id());
        let mut vars = format!("HOME={} TERM=xterm-256color NO_COLOR= RUST_BACKTRACE=0", home.path().display());
        for (k, v) in env {
            vars.push_str(&format!(" {k}={v}"));
        }
        let command = format!("env {vars} {} {args}; echo EXITED:$?; sleep 30", env!("CARGO_BIN_EXE_gpudeck"));
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", &width.to_string(), "-y"])
            .arg(height.to_string())
            .arg(&command)
            .status()
            .unwrap();
        assert!(status.success());
        Tmux { socket, home }
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "0", k]).status().unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Types `text` after `prompt` (`:` or `/`) and presses Enter.
    pub fn typed(&self, prompt: &str, text: &str) {
        let keys: Vec<String> = text.chars().map(|c| if c == ' ' { "Space".into() } else { c.to_string() }).collect();
        let mut all: Vec<&str> = vec![prompt];
        all.extend(keys.iter().map(String::as_str));
        all.push("Enter");
        self.keys(&all);
    }

    /// Waits until the screen satisfies `check`; fails with the last screen.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_within(Duration::from_secs(20), what, check)
    }

    /// `wait_for` with a deadline of its own, for what the cluster takes long to do (a Lease running out).
    pub fn wait_within(&self, patience: Duration, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Presses `key` `times` times in one go.
    pub fn repeat(&self, key: &str, times: usize) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0", "-N", &times.to_string(), key])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(120));
    }

    pub fn resize(&self, width: u16, height: u16) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "resize-window", "-t", "0", "-x", &width.to_string(), "-y", &height.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn alternate_screen_on(&self) -> bool {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", "-t", "0", "#{alternate_on}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
        let _ = &self.home;
    }
}

#[macro_export]
macro_rules! require_tmux {
    () => {
        if !common::tmux::tmux_available() {
            eprintln!("SKIPPED: tmux not found on PATH");
            return;
        }
    };
}
