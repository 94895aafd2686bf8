#!/usr/bin/env bash
# `make wheel-check`: build the wheel, install it into a fresh venv outside the checkout and run
# `calltriage playbook list` and one incident (open, next, answer) through it: what a
# `pip install calltriage` user gets, with no file of the repository in reach.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/calltriage-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$BIN/pip" wheel -q --no-deps -w "$WORK/dist" . >/dev/null
wheel=$(ls "$WORK"/dist/calltriage-*.whl)
# (outputs are captured first: `grep -q` stops reading at the first match, which under pipefail
# would fail the writer with SIGPIPE)
listing=$(unzip -l "$wheel")
grep -q "calltriage/playbooks/user-cant-call-professional.yaml" <<<"$listing" \
  || { echo "wheel-check: $wheel carries no playbooks" >&2; exit 1; }
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$wheel"
ct="$WORK/venv/bin/calltriage"
cd "$WORK"   # outside the checkout: nothing of the repository can be found by accident
export CALLTRIAGE_DB="$WORK/wheel.sqlite" CALLTRIAGE_CACHE_DIR="$WORK/cache"
unset CALLTRIAGE_PLAYBOOKS CALLTRIAGE_CONFIG
"$ct" init >/dev/null
playbooks=$("$ct" playbook list)
grep -q "user-cant-call-professional" <<<"$playbooks" \
  || { echo "wheel-check: the installed calltriage lists no playbook" >&2; exit 1; }
id=$("$ct" incident open --caller alice --callee bob --json | "$WORK/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
step=$("$ct" incident next "$id" --json)
grep -q '"intake.operational_requirements"' <<<"$step" \
  || { echo "wheel-check: a new incident does not start at the playbook's first step" >&2; exit 1; }
"$ct" incident answer "$id" met --as wheel-check >/dev/null
step=$("$ct" incident next "$id" --json)
grep -q '"intake.client_error_message"' <<<"$step" \
  || { echo "wheel-check: the answer did not move the incident on" >&2; exit 1; }
echo "wheel-check: $(basename "$wheel") installs outside the checkout, lists its playbooks and runs an incident"
