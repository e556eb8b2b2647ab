#!/bin/sh
# Install or upgrade resotoworker as a systemd service: a system user, a virtualenv in
# /opt/resotoworker/venv, the units (the daemon, and a timer for hourly one-shot collects) and, if missing,
# the env file. Run as root from the source tree:  sudo scripts/install-service.sh [PACKAGE]
# PACKAGE defaults to this source tree; pass e.g. a wheel built from it (docs/operations.md).
#
# Nothing is enabled or started while /etc/resotoworker/env still holds the example's placeholders: a
# service without a core URI and PSK would only restart in a loop. Run again to upgrade: the package is
# reinstalled and a running daemon restarted.
# PREFIX, ETC_DIR, UNIT_DIR and PYTHON may be set to install elsewhere (the tests do).
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
PACKAGE=${1:-$SRC}
PREFIX=${PREFIX:-/opt/resotoworker}
ETC_DIR=${ETC_DIR:-/etc/resotoworker}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
PYTHON=${PYTHON:-python3}
ENV_FILE=$ETC_DIR/env

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

if ! getent passwd resotoworker >/dev/null; then
    useradd --system --home-dir /var/lib/resotoworker --no-create-home --shell /usr/sbin/nologin resotoworker
fi

[ -x "$PREFIX/venv/bin/pip" ] || "$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --upgrade pip >/dev/null
"$PREFIX/venv/bin/pip" install --upgrade "$PACKAGE"

install -d -m 0755 "$ETC_DIR"
if [ ! -e "$ENV_FILE" ]; then
    install -m 0600 -o root -g root "$SRC/scripts/resotoworker.env.example" "$ENV_FILE"
fi
for unit in resotoworker.service resotoworker-collect.service resotoworker-collect.timer; do
    install -m 0644 "$SRC/scripts/$unit" "$UNIT_DIR/$unit"
done
# resotoworker@N.service: instance N of a fleet that splits the estate (--shard auto); the daemon's unit
# with its own subscriber id and an optional env file of its own, so there is one unit body to maintain
sed -e 's|^ExecStart=.*|& --subscriber-id resoto.worker@%i --shard auto|' \
    -e 's|^EnvironmentFile=.*|&\nEnvironmentFile=-/etc/resotoworker/env.%i|' \
    -e 's|^Description=.*|& (fleet instance %i)|' \
    "$SRC/scripts/resotoworker.service" > "$UNIT_DIR/resotoworker@.service"
chmod 0644 "$UNIT_DIR/resotoworker@.service"
systemctl daemon-reload

# the example's placeholders: the core's URI and the PSK
if grep -qE '^RESOTOWORKER_(RESOTOCORE_URI=https://resotocore\.example|PSK=changeme$)' "$ENV_FILE"; then
    echo "installed; nothing started yet. Edit $ENV_FILE (core URI, PSK, collectors, cloud credentials), then:"
    echo "  systemctl enable --now resotoworker.service         # the daemon, collecting on the core's schedule"
    echo "  systemctl enable --now resotoworker-collect.timer   # or: one collect every hour, no daemon"
    exit 0
fi
systemctl try-restart resotoworker.service  # an upgrade: a running daemon gets the new version
echo "installed $("$PREFIX/venv/bin/resotoworker" --version)"
for unit in resotoworker.service resotoworker-collect.timer; do
    echo "  $unit: $(systemctl is-enabled "$unit" 2>/dev/null || true), $(systemctl is-active "$unit" 2>/dev/null || true)"
done
