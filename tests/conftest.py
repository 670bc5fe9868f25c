"Shared fixtures: where the repository is, and where tests leave what a human may want to look at."
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='session')
def root() -> Path:
    "The repository root"
    return ROOT

@pytest.fixture(scope='session')
def artifacts() -> Path:
    "tests/_artifacts (gitignored): executed notebooks, screenshots"
    d = ROOT/'tests'/'_artifacts'
    d.mkdir(parents=True, exist_ok=True)
    return d
