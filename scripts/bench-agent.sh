#!/usr/bin/env bash
# CPU time and peak memory of `graphmail connector list --json` by how the vault is opened:
# through the session agent, with an identity file (an SSH key), with a passphrase file (scrypt 2^18).
# Usage: scripts/bench-agent.sh [path/to/graphmail]   (a release build; RUNS=N to change runs)
set -euo pipefail
bin=$(realpath "${1:-target/release/graphmail}")
runs=${RUNS:-20}
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

# Mean CPU (user + system) and the highest peak RSS over $2 runs of the command.
measure() {
  local label=$1 n=$2
  shift 2
  for _ in $(seq "$n"); do
    /usr/bin/time -f '%U %S %M' -o "$work/t" "$@" >/dev/null
    cat "$work/t"
  done | awk -v label="$label" '
    { cpu += $1 + $2; if ($3 > peak) peak = $3; n++ }
    END { printf "| %s | %.1f ms | %.1f MiB |\n", label, cpu / n * 1000, peak / 1024 }'
}

echo "| connector list --json, vault opened | CPU (user+sys, mean) | peak memory (max RSS) |"
echo "|---|---:|---:|"
measure "through the agent" "$runs" "$bin" --vault "$vault" connector list --json
measure "with --identity (SSH ed25519 key)" "$runs" env -u GRAPHMAIL_AGENT_SOCK \
  "$bin" --vault "$vault" --identity "$work/key.txt" connector list --json
measure "with --passphrase-file" "$(( runs < 5 ? runs : 5 ))" env -u GRAPHMAIL_AGENT_SOCK \
  "$bin" --vault "$vault" --passphrase-file "$work/pass" connector list --json
grep -E '^(VmHWM|VmRSS)' "/proc/$GRAPHMAIL_AGENT_PID/status" | sed 's/^/agent process: /'
