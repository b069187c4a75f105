"""The README's two commands and the extras they install: what the demo and the tests import is declared."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _readme_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands\n.*?```bash\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def _declared(extra):
    """Canonical names of the dependencies plus an extra (a ``pkg[extra]`` also declares ``extra``)."""
    names = set()
    for text in PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"][extra]:
        req = Requirement(text)
        names.add(canonicalize_name(req.name))
        names.update(canonicalize_name(e) for e in req.extras)
    return names


def _third_party_imports(paths):
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    local = {p.stem for p in paths} | {"sknn_hp", "conftest"}
    return {m for m in modules if m not in sys.stdlib_module_names and m not in local}


def test_the_readme_shows_two_complete_commands():
    commands = _readme_commands()
    assert commands == [
        'pip install -e ".[demo]" && sknn-hp demo',
        'pip install -e ".[test]" && python -m pytest -n 2 -q tests',
    ]


def test_ci_runs_the_readme_test_line_as_written_and_last():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert lines[-1] == _readme_commands()[1]


def test_the_test_extra_declares_every_import_of_the_tests():
    owners = packages_distributions()
    declared = _declared("test")
    missing = {}
    for module in _third_party_imports(sorted((ROOT / "tests").glob("*.py"))):
        dists = {canonicalize_name(d) for d in owners.get(module, [module])}
        if not dists & declared:
            missing[module] = sorted(dists)
    assert missing == {}


def test_the_demo_extra_declares_what_the_demo_needs():
    declared = _declared("demo")
    assert {"matplotlib", "skops", "scikit-learn", "torch"} <= declared


def test_torch_stays_capped():
    (torch,) = [Requirement(r) for r in PYPROJECT["dependencies"] if Requirement(r).name == "torch"]
    assert not torch.specifier.contains("2.13.1") and torch.specifier.contains("2.13.0")
