"""secmine: mining EU security-cooperation facts from policy documents.

The command line (``secmine``) is the main way in; from Python or a notebook::

    import pipeline

    out = pipeline.run(["reports/"], "outputs")        # the whole flow, as `secmine run`
    out["partnerships"].query("status == 'signed'")      # every table as a pandas DataFrame
    out = pipeline.read_outputs("outputs")             # the tables of an earlier run

``year``, ``page`` and the other whole-number columns are nullable integers (pandas ``Int64``);
``confidence`` and ``score`` are floats, ``predicted`` is boolean; everything else is text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "Outputs", "read_outputs", "run"]

# name -> file, relative to the output folder
OUTPUT_FILES = {
    "documents": "documents.csv",
    "passages": "passages.csv",
    "mentions": "mentions.csv",
    "domains": "domains.csv",
    "cooperation": "cooperation.csv",
    "joint_statements": "tables/joint_statements.csv",
    "partners_without_statements": "tables/partners_without_statements.csv",
    "cooperation_elements": "tables/cooperation_elements.csv",
    "dialogues": "tables/dialogues.csv",
    "partnerships": "tables/partnerships.csv",
    "changes": "changes.csv",
}
INT_COLUMNS = ("year", "page", "page_end", "pages", "pages_read", "start", "end", "sent_start", "sent_end",
               "ministerial", "policy", "supporting_facts")
FLOAT_COLUMNS = ("confidence", "score")
BOOL_COLUMNS = ("predicted",)


class Outputs(dict):
    """The tables of an output folder by name (``out["cooperation"]`` or ``out.cooperation``)."""

    def __init__(self, folder: Path, frames: dict[str, Any]):
        super().__init__(frames)
        self.folder = folder

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}: {len(frame)} rows" for name, frame in self.items())
        return f"Outputs({str(self.folder)!r}; {sizes})"


def typed_columns(frame):
    """The frame with its integer, float and boolean columns typed (CSV gives strings)."""
    import pandas as pd

    for column in frame.columns:
        if column in INT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype("Int64")
        elif column in FLOAT_COLUMNS:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype("float64")
        elif column in BOOL_COLUMNS:
            frame[column] = frame[column].str.lower().isin(["true", "1", "yes"])
    return frame


def read_outputs(out: str | Path = "outputs") -> Outputs:
    """Every table a run wrote into ``out`` as a pandas DataFrame (files that are not there are left out)."""
    from pipeline.io import read_frame

    folder = Path(out)
    if not (folder / "documents.csv").exists():
        raise FileNotFoundError(f"{folder / 'documents.csv'}: no outputs here; run `secmine run --out {folder}` first")
    frames = {name: typed_columns(read_frame(folder / path)) for name, path in OUTPUT_FILES.items() if (folder / path).exists()}
    return Outputs(folder, frames)


def run(inputs: str | Path | list[str | Path] = "corpus/docs", out: str | Path = "outputs", *, gold: str | Path | None = None,
        settings: Any = None, model_dir: str | Path | None = None, parquet: bool = False, workers: int = 2,
        progress: bool = False) -> Outputs:
    """``secmine run`` from Python: process ``inputs`` (files or folders) into ``out`` and return
    the outputs as DataFrames. Documents unchanged since the last run into ``out`` are not read again."""
    from pipeline.flows import run as run_flow

    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    run_flow(list(inputs), out, gold=gold, settings=settings, model_dir=model_dir, parquet=parquet,
             workers=workers, progress=progress)
    return read_outputs(out)
