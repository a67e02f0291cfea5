"""Module boundaries, read from the import statements of every module under ``pipeline/``.

- No module imports a name starting with ``_`` from another module (dunders such as
  ``__version__`` are public).
- A stage package (ingest, extract, classify, facts, tables, audit) imports only its own modules
  and the shared ones: ``pipeline.records`` (records and output file names), ``pipeline.vocab``
  (gazetteer, instruments, dates, domains, text forms, the spaCy pipeline), ``pipeline.scoring``,
  ``pipeline.resources``, ``pipeline.settings``, ``pipeline.io``. ``EXCEPTIONS`` lists the few
  others, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
STAGES = ("ingest", "extract", "classify", "facts", "tables", "audit")
SHARED = ("records", "vocab", "scoring", "resources", "settings", "io")
# (importing module or package, imported module) -> why the import is allowed.
EXCEPTIONS = {
    ("pipeline.classify.evaluate", "pipeline.stages"):
        "evaluates the classifier on gold documents by ingesting them and reading their type",
    ("pipeline.classify.train", "pipeline.stages"):
        "reads labelled passages from their documents, ingested as a run ingests them",
    ("pipeline.tables", "pipeline.review"):
        "applies the analysts' corrections (an output-folder module, not a stage) to the tables it rebuilds",
    ("pipeline.tables", "pipeline.changes"):
        "reads the run manifest and writes the changes report of the output folder it rebuilds",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names imported from it) of every import in a module, relative ones resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(name: str) -> bool:
    return (PACKAGE.parent / (name.replace(".", "/") + ".py")).exists() or (PACKAGE.parent / name.replace(".", "/")).is_dir()


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "pipeline" else ""


def test_the_walk_sees_the_package():
    modules = {_module_name(p) for p in _modules()}
    assert {"pipeline.records", "pipeline.vocab.gazetteer", "pipeline.facts.rules", "pipeline.tables.source"} <= modules


def test_no_private_name_is_imported_across_modules():
    offences = []
    for path in _modules():
        module = _module_name(path)
        for line, target, names in _imports(path):
            if not target.startswith("pipeline"):
                continue
            for name in names:
                # "from pipeline.x import _y" where _y is a submodule is a module import, not a private name
                if _private(name) and target != module and not _is_module(f"{target}.{name}"):
                    offences.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name} from {target}")
    assert not offences, "\n".join(offences)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _allowed(module: str, target: str) -> bool:
    """Whether a module of a stage may import ``target``."""
    if not _within(target, "pipeline"):
        return True
    if _stage(target) in (_stage(module), *SHARED):
        return True
    return any(_within(module, m) and _within(target, t) for m, t in EXCEPTIONS)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_itself_and_the_shared_modules(stage):
    offences = []
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        module = _module_name(path)
        for line, target, names in _imports(path):
            if not target.startswith("pipeline"):
                continue
            if target == "pipeline":  # "from pipeline import x": the package's own attributes or a submodule
                targets = [f"pipeline.{n}" if _is_module(f"pipeline.{n}") else "pipeline" for n in names]
            else:
                targets = [target]
            for t in targets:
                if t == "pipeline" and all(n.startswith("__") for n in names):
                    continue  # __version__
                if not _allowed(module, t):
                    offences.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {t}")
    assert not offences, "\n".join(offences)


def test_every_exception_is_still_needed():
    used = set()
    for path in _modules():
        module = _module_name(path)
        for _, target, _ in _imports(path):
            used |= {(m, t) for m, t in EXCEPTIONS if _within(module, m) and _within(target, t)}
    assert used == set(EXCEPTIONS), f"unused exceptions: {set(EXCEPTIONS) - used}"


def test_the_check_catches_what_it_forbids():
    assert not _allowed("pipeline.facts.rules", "pipeline.extract.mentions")
    assert not _allowed("pipeline.audit.gold", "pipeline.tables.source")
    assert not _allowed("pipeline.classify.evaluate", "pipeline.audit.documents")
    assert _allowed("pipeline.classify.evaluate", "pipeline.stages")
    assert _allowed("pipeline.tables.source", "pipeline.vocab.gazetteer")
    assert _private("_typed") and not _private("__version__")
