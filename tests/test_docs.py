"""The configuration reference in docs/ is generated from the code; it must be current."""
import subprocess
import sys

from conftest import ROOT


def test_configuration_reference_is_current():
    done = subprocess.run([sys.executable, "scripts/gen_config_docs.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_aws_kinds_table_is_current():
    done = subprocess.run([sys.executable, "scripts/gen_kinds_docs.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
