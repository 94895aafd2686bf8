#!/usr/bin/env bash
# Install the Debian packages calltriage needs for its lab and its tests (idempotent).
# Kamailio + modules: the real SIP server of the lab; sip-tester: SIPp for volume;
# chromium: the browser tests; graphviz: playbook graphs on the desk; npm: axe-core for the
# accessibility test (skipped when a Node.js with npm is already installed, e.g. from NodeSource).
# PrivateServer lab: kamailio-mysql-modules (Kamailio writes into MariaDB), nagios-nrpe-server
# (the lab's NRPE daemon, run as a private process), nagios-nrpe-plugin (check_nrpe, used by the
# privateserver backend), monitoring-plugins-basic/-standard (the NRPE commands' checks).
set -euo pipefail
PACKAGES=(
  kamailio kamailio-tls-modules kamailio-json-modules kamailio-sqlite-modules
  kamailio-utils-modules kamailio-extra-modules kamailio-postgres-modules kamailio-mysql-modules
  nagios-nrpe-server nagios-nrpe-plugin monitoring-plugins-basic monitoring-plugins-standard
  sip-tester chromium graphviz sqlite3 openssl iproute2 procps nftables conntrack
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Error: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The kamailio postinst tries to start a system instance; without systemd that is refused, which
# is what we want: the lab starts private instances on free ports.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
