"""Models and migrations agree, whatever order Python happens to iterate sets in."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("hash_seed", ["1", "2"])
def test_no_model_change_lacks_a_migration(hash_seed):
    env = {
        **os.environ,
        "PYTHONHASHSEED": hash_seed,
        "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
