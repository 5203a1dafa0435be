"""`make test` runs every app's tests: each folder of tests is on pytest's testpaths."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_of_tests_is_collected_by_make_test():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    testpaths = set(options["ini_options"]["testpaths"])
    apps_with_tests = {path.parent.parent.name for path in ROOT.glob("*/tests/test_*.py")}

    assert apps_with_tests - testpaths == set(), "tests that make test would never run"
    assert "tests" in testpaths  # the cross-app and browser tests
