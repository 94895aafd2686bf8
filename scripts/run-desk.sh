#!/usr/bin/env bash
# `make run`: the desk on SQLite with demo data, and the real SIP lab where Kamailio is installed,
# so that "Run probes" on a demo incident gathers real evidence. Ctrl-C stops both.
set -euo pipefail
BIN=${BIN:-.venv/bin}
DATA=${DATA:-var}
DB=${DB:-$DATA/calltriage.sqlite}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p "$DATA"
"$BIN/calltriage" --db "$DB" init
if [ -x /usr/sbin/kamailio ] || command -v kamailio >/dev/null 2>&1; then
  if "$BIN/calltriage" lab up --dir "$DATA/lab"; then
    export CALLTRIAGE_CONFIG="$PWD/$DATA/lab/calltriage-lab.toml"
    trap '"$BIN/calltriage" lab down --dir "$DATA/lab" >/dev/null 2>&1 || true' EXIT
  else
    echo "The SIP lab did not start; the desk runs without probes (see the error above)." >&2
  fi
else
  echo "Kamailio is not installed (make deps): the desk runs without the SIP lab; checks become questions." >&2
fi
"$BIN/calltriage" --db "$DB" serve --demo --host "$HOST" --port "$PORT"
