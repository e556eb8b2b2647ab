"""Install paths: the systemd units (daemon, one-shot collect and its timer) pass ``systemd-analyze
verify``; the install script starts nothing until the env file is configured, then restarts a running
daemon on upgrade; the distribution cannot be mistaken for the original resotoworker."""
import configparser
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import ROOT
from worker import DISTRIBUTION, __version__

UNITS = ("resotoworker.service", "resotoworker-collect.service", "resotoworker-collect.timer")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_units_and_the_timer_verify(tmp_path):
    # verify checks that ExecStart exists: point it at this environment's resotoworker
    exe = shutil.which("resotoworker") or "/bin/true"
    for unit in UNITS:
        text = open(os.path.join(ROOT, "scripts", unit)).read()
        (tmp_path / unit).write_text(re.sub(r"^ExecStart=\S+", f"ExecStart={exe}", text, flags=re.M))
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
                          capture_output=True, text=True)
    problems = [line for line in (done.stdout + done.stderr).splitlines() if "resotoworker" in line]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr
    daemon, collect, timer = (open(os.path.join(ROOT, "scripts", unit)).read() for unit in UNITS)
    for setting in ("Type=notify", "NotifyAccess=main", "WatchdogSec=", "KillMode=mixed", "User=resotoworker"):
        assert setting in daemon
    assert "ExecStart=/opt/resotoworker/venv/bin/resotoworker collect\n" in collect
    assert "EnvironmentFile=/etc/resotoworker/env" in collect and "TimeoutStartSec=" in collect
    assert "OnCalendar=hourly" in timer


STUB_PYTHON = """#!/bin/sh
# stands in for `python3 -m venv DIR`: a venv whose pip records its arguments
mkdir -p "$3/bin"
printf '#!/bin/sh\\necho "pip $*" >> %(log)s\\n' > "$3/bin/pip"
printf '#!/bin/sh\\necho resotoworker-ng 0\\n' > "$3/bin/resotoworker"
chmod +x "$3/bin/pip" "$3/bin/resotoworker"
"""
STUB = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> %(log)s\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="the install script runs as root")
def test_the_install_script_starts_nothing_until_configured(tmp_path):
    log = tmp_path / "calls.log"
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, text in (("python-stub", STUB_PYTHON), ("systemctl", STUB), ("useradd", STUB)):
        (stubs / name).write_text(text % {"log": log})
        (stubs / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "PYTHON": str(stubs / "python-stub"),
           "PREFIX": str(tmp_path / "opt"), "ETC_DIR": str(tmp_path / "etc"), "UNIT_DIR": str(tmp_path / "units")}
    (tmp_path / "units").mkdir()

    def install():
        log.write_text("")
        done = subprocess.run(["sh", os.path.join(ROOT, "scripts", "install-service.sh")], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout, [line.split()[:2] for line in log.read_text().splitlines() if
                             line.startswith("systemctl")]

    out, calls = install()
    env_file = tmp_path / "etc" / "env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path / "units")) == sorted(UNITS + ("resotoworker@.service",))
    # the fleet's template is the daemon's unit with an instance's own subscriber id and env file
    template = (tmp_path / "units" / "resotoworker@.service").read_text().splitlines()
    daemon = open(os.path.join(ROOT, "scripts", "resotoworker.service")).read().splitlines()
    assert [line for line in template if line not in daemon] == [
        "Description=Resoto worker: collects cloud resources for resotocore (fleet instance %i)",
        "ExecStart=/opt/resotoworker/venv/bin/resotoworker --subscriber-id resoto.worker@%i --shard auto",
        "EnvironmentFile=-/etc/resotoworker/env.%i"]
    assert calls == [["systemctl", "daemon-reload"]] and "nothing started yet" in out
    assert f"pip install --upgrade {ROOT}" in log.read_text()
    env_file.write_text(env_file.read_text().replace("https://resotocore.example:8900", "https://core:8900")
                        .replace("PSK=changeme", "PSK=s3cret"))
    out, calls = install()  # configured now, or an upgrade: only a running daemon is restarted
    assert calls[:2] == [["systemctl", "daemon-reload"], ["systemctl", "try-restart"]]
    assert not [call for call in calls if call[1] in ("start", "restart", "enable")]
    assert env_file.read_text().count("s3cret") == 1  # the settings are kept


def test_the_distribution_cannot_be_mistaken_for_the_original():
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    assert config["metadata"]["name"] == DISTRIBUTION != "resotoworker"
    assert config["metadata"]["version"] == "attr: worker.__version__" and __version__
    assert config["metadata"]["license"] == "Apache-2.0"
    assert "Apache License" in open(os.path.join(ROOT, "LICENSE")).read(2000)
    assert 'build-backend = "setuptools.build_meta"' in open(os.path.join(ROOT, "pyproject.toml")).read()
    assert "resotoworker = worker.cli:main" in config["options.entry_points"]["console_scripts"]
    installed = subprocess.run([sys.executable, "-m", "pip", "show", DISTRIBUTION], capture_output=True, text=True)
    assert f"Version: {__version__}" in installed.stdout
