#!/usr/bin/env bash
# CPU time and peak memory of `graphmail connector list --json` by how the vault is opened:
# through the session agent, with an identity file (an SSH key), with a passphrase file (scrypt 2^18).
# Usage: scripts/bench-agent.sh [path/to/graphmail]   (a release build; RUNS=N to change runs)
set -euo pipefail
bin=$(realpath "${1:-target/release/graphmail}")
runs=${RUNS:-200}
work=$(mktemp -d)
chmod 700 "$work"
cleanup() {
  if [ -n "${GRAPHMAIL_AGENT_SOCK:-}" ]; then "$bin" --vault "$vault" lock >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export GRAPHMAIL_LOG_DIR=$work/logs GRAPHMAIL_CONFIG_DIR=$work/config XDG_RUNTIME_DIR=$work/run
unset GRAPHMAIL_VAULT GRAPHMAIL_PASSPHRASE_FILE GRAPHMAIL_IDENTITY GRAPHMAIL_SCRYPT_WORK_FACTOR
mkdir -m 700 "$work/run"
vault=$work/data/vault.age
printf 'benchmark passphrase\n' >"$work/pass" && chmod 600 "$work/pass"
ssh-keygen -q -t ed25519 -N '' -C bench -f "$work/key.txt"
"$bin" --vault "$vault" --passphrase-file "$work/pass" vault init \
  --recipient-file "$work/key.txt.pub" >/dev/null
"$bin" --vault "$vault" --identity "$work/key.txt" connector add ops \
  --tenant contoso.onmicrosoft.com --client-id 11111111-2222-3333-4444-555555555555 \
  --grant device-code >/dev/null
eval "$("$bin" --vault "$vault" --passphrase-file "$work/pass" unlock)" >/dev/null

# CPU (user + system) per run, timed over $2 runs in one loop (time(1) counts in 10 ms steps),
# and the highest peak RSS of single runs.
measure() {
  local label=$1 n=$2
  shift 2
  /usr/bin/time -f '%U %S' -o "$work/loop" sh -c \
    'n=$1; shift; i=0; while [ "$i" -lt "$n" ]; do "$@" >/dev/null; i=$((i + 1)); done' \
    sh "$n" "$@"
  for _ in 1 2 3; do
    /usr/bin/time -f '%M' -o "$work/t" "$@" >/dev/null
    cat "$work/t"
  done | sort -n | tail -1 >"$work/peak"
  awk -v label="$label" -v n="$n" -v peak="$(cat "$work/peak")" '
    { printf "| %s | %.1f ms | %.1f MiB |\n", label, ($1 + $2) / n * 1000, peak / 1024 }' "$work/loop"
}

echo "| connector list --json, vault opened | CPU (user+sys, mean) | peak memory (max RSS) |"
echo "|---|---:|---:|"
measure "through the agent" "$runs" "$bin" --vault "$vault" connector list --json
measure "with --identity (SSH ed25519 key)" "$runs" env -u GRAPHMAIL_AGENT_SOCK \
  "$bin" --vault "$vault" --identity "$work/key.txt" connector list --json
measure "with --passphrase-file" 5 env -u GRAPHMAIL_AGENT_SOCK \
  "$bin" --vault "$vault" --passphrase-file "$work/pass" connector list --json
grep -E '^(VmHWM|VmRSS)' "/proc/$GRAPHMAIL_AGENT_PID/status" | sed 's/^/agent process: /'
