#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, runs every test, and ends with one
# summary line over all test binaries.
set -uo pipefail
cd "$(dirname "$0")/.."

# Real kubectl is what the fidelity tests drive (tests/kubectl.rs). Debian ships none; when it is absent those tests
# print why they skip and pass. Everything else the tests need is built from Cargo.lock.
if ! command -v kubectl >/dev/null 2>&1; then
    echo "note: kubectl not found on PATH; the kubectl fidelity tests will report SKIPPED" >&2
fi

# Debian packages the tests drive, installed when missing (as root, or through sudo when that needs no password).
# Where one cannot be, the tests that need it print why they skip.
install_if_missing() { # COMMAND PACKAGE WHO-NEEDS-IT
    command -v "$1" >/dev/null 2>&1 && return
    command -v apt-get >/dev/null 2>&1 || { echo "note: $1 not found; $3 will report SKIPPED" >&2; return; }
    local as_root=""
    if [ "$(id -u)" -ne 0 ]; then as_root="sudo -n"; fi
    local install="$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $2"
    $install >/dev/null 2>&1 \
        || { $as_root apt-get update -qq >/dev/null 2>&1 && $install >/dev/null 2>&1; } \
        || echo "note: could not install $2; $3 will report SKIPPED" >&2
}
# The end-to-end console tests drive the real binary in tmux.
install_if_missing tmux tmux "the tmux end-to-end tests"
# The registry tests run the CNCF distribution server (2.8) on loopback.
install_if_missing docker-registry docker-registry "the registry tests"
# The certificate tests make RSA and SEC1 keys with Python's cryptography (ring cannot generate them); the check is
# an import, so the command name given is one that never exists.
python3 -c 'import cryptography' 2>/dev/null \
    || install_if_missing no-python3-cryptography python3-cryptography "the certificate tests (they will fail)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --lib --bins --tests: every unit and integration test; benches are run by `cargo bench`, not here.
cargo test --no-fail-fast --lib --bins --tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
               END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$log")
echo "tests: $summary"
exit "$status"
