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

# The end-to-end console tests drive the real binary in tmux; Debian has it, so it is installed when missing (as root,
# or through sudo when that needs no password). Where it cannot be, those tests print why they skip.
if ! command -v tmux >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    as_root=""
    if [ "$(id -u)" -ne 0 ]; then as_root="sudo -n"; fi
    $as_root apt-get install -y -qq tmux >/dev/null 2>&1 \
        || { $as_root apt-get update -qq >/dev/null 2>&1 && $as_root apt-get install -y -qq tmux >/dev/null 2>&1; } \
        || echo "note: could not install tmux; the tmux end-to-end tests will report SKIPPED" >&2
fi

# The registry tests run Debian's docker-registry (the CNCF distribution server) on loopback; it is installed when
# missing, the same way. Where it cannot be, those tests print why they skip.
if ! command -v docker-registry >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    as_root=""
    if [ "$(id -u)" -ne 0 ]; then as_root="sudo -n"; fi
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null 2>&1 \
        || { $as_root apt-get update -qq >/dev/null 2>&1 \
            && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null 2>&1; } \
        || echo "note: could not install docker-registry; the registry tests will report SKIPPED" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --lib --bins --tests: every unit and integration test; benches are run by `cargo bench`, not here.
cargo test --no-fail-fast --lib --bins --tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
               END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$log")
echo "tests: $summary"
exit "$status"
