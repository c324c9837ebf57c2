#!/usr/bin/env bash
# `cmo products get` end to end against a shell script doing the same requests with curl
# (token, SIM, status, usage) on the 1NCE simulator — the ratio docs/performance.md reports
# (budget ≤ 1.5×). Each cmo run is a whole process: config, store, token, the three reads.
#
#   cargo build --release && scripts/products-get-vs-curl.sh [RUNS]
#
# Needs curl and python3 (for the TOML the simulator writes). CMO=path overrides the binary.
set -euo pipefail
runs=${1:-10}
cmo=${CMO:-target/release/cmo}
dir=$(mktemp -d)
sim=""
cleanup() {
    [[ -n $sim ]] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

"$cmo" simulate --size 50 --config-out "$dir/config.toml" --data-dir "$dir/data" >"$dir/sim.out" 2>&1 &
sim=$!
for _ in $(seq 100); do [[ -s $dir/config.toml ]] && break; sleep 0.1; done
[[ -s $dir/config.toml ]] || { echo "the simulators did not start" >&2; cat "$dir/sim.out" >&2; exit 1; }

# The 1NCE block of the config: base URL, user, secret.
read -r base user secret < <(python3 - "$dir/config.toml" <<'PY'
import sys, tomllib, pathlib
cfg = tomllib.loads(pathlib.Path(sys.argv[1]).read_text())
b = next(b for b in cfg["backend"] if b["kind"] == "1NCE")
auth = b["auth"]
secret = auth.get("secret") or pathlib.Path(auth["secret_file"]).read_text().strip()
print(b["base_url"], auth["username"], secret)
PY
)
export HOME=$dir XDG_CONFIG_HOME=$dir/xdg XDG_DATA_HOME=$dir/share XDG_STATE_HOME=$dir/state
cfg=(--config "$dir/config.toml" --data-dir "$dir/data")
id=$("$cmo" "${cfg[@]}" products list --backend 1NCE --page-size 1 --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["entities"][0]["id"])')
iccid=${id#1NCE-}

now_ms() { date +%s%3N; }

# One product read, the curl way: a token, then the SIM, its status and this month's usage.
curl_get() {
    local token today first
    today=$(date -u +%Y-%m-%d)
    first=$(date -u +%Y-%m-01)
    token=$(curl -sf -u "$user:$secret" -H 'Content-Type: application/json' \
        -d '{"grant_type":"client_credentials"}' "$base/oauth/token" |
        sed -E 's/.*"access_token" *: *"([^"]+)".*/\1/')
    for path in "" /status "/usage?start_dt=$first&end_dt=$today"; do
        curl -sf -H "Authorization: Bearer $token" "$base/v1/sims/$iccid$path" >/dev/null
    done
}

# 1NCE allows 10 requests in any second: each run starts on an empty window (the pause is not
# timed), so both sides measure one product read, not the carrier's limit.
cmo_ms=0
curl_ms=0
for _ in $(seq "$runs"); do
    sleep 1.1
    start=$(now_ms)
    "$cmo" "${cfg[@]}" products get "$id" --json >/dev/null
    cmo_ms=$((cmo_ms + $(now_ms) - start))
    sleep 1.1
    start=$(now_ms)
    curl_get
    curl_ms=$((curl_ms + $(now_ms) - start))
done

python3 - "$runs" "$cmo_ms" "$curl_ms" <<'PY'
import sys
runs, cmo, curl = (int(a) for a in sys.argv[1:])
print(f"products get, {runs} runs: cmo {cmo / runs:.1f} ms/run, curl script {curl / runs:.1f} ms/run, ratio {cmo / curl:.2f}x")
PY
