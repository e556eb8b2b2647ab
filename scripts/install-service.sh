#!/bin/sh
# Install resotoworker as a systemd service: a system user, a virtualenv in /opt/resotoworker/venv, the
# unit and an env file. Run as root from the source tree:  sudo scripts/install-service.sh [PACKAGE]
# PACKAGE defaults to this source tree; pass e.g. "resotoworker==0.1.0" to install from an index.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
PACKAGE=${1:-$SRC}
PREFIX=/opt/resotoworker
PYTHON=${PYTHON:-python3}

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

if ! id resotoworker >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/resotoworker --no-create-home --shell /usr/sbin/nologin resotoworker
fi

"$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --upgrade pip >/dev/null
"$PREFIX/venv/bin/pip" install "$PACKAGE"

install -d -m 0755 /etc/resotoworker
if [ ! -e /etc/resotoworker/env ]; then
    install -m 0600 -o root -g root "$SRC/scripts/resotoworker.env.example" /etc/resotoworker/env
    echo "edit /etc/resotoworker/env (core URI, PSK, collectors), then: systemctl restart resotoworker"
fi
install -m 0644 "$SRC/scripts/resotoworker.service" /etc/systemd/system/resotoworker.service

systemctl daemon-reload
systemctl enable resotoworker.service
systemctl restart resotoworker.service
systemctl --no-pager status resotoworker.service || true
