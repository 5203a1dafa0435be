"""The shape decision 0080 keeps: models import no services, and no module outgrows a stage."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "audit",
    "providers",
    "qualifications",
    "learners",
    "registrations",
    "results",
    "certificates",
    "lrs_sync",
    "outbox",
    "people_search",
    "awards_portal",
]
MAX_LINES = 600


def _source_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "migrations" not in parts and "tests" not in parts:
                yield path


def _module_path(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Modules this file imports at module level (absolute names, this project's only)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.split(".")[0] in APPS and _module_path(m)}


def test_the_model_layer_imports_no_services():
    for app in APPS:
        if not (ROOT / app / "models.py").exists():
            continue
        seen, todo = set(), [f"{app}.models"]
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            path = _module_path(module)
            if path is None:
                continue
            for imported in _imports(path):
                assert "services" not in imported.split("."), f"{module} imports {imported}"
                if imported.startswith(f"{app}."):
                    todo.append(imported)


def test_no_module_outside_migrations_and_tests_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _source_files()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their stages (decision 0080): {long}"
