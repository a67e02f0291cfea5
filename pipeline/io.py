"""Reading and writing record tables: CSV (always) and Parquet (optional), written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pandas as pd

from pipeline.records import Record

R = TypeVar("R", bound=Record)
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def process_map(function: Callable, items: list, workers: int) -> list:
    """``function`` over ``items`` in order, on up to ``workers`` processes (in this one for 1)."""
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


def write_text(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_frame(frame: pd.DataFrame, target: str | Path, parquet: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV (and Parquet with the same stem when asked), atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    if parquet:
        with atomic_path(target.with_suffix(".parquet")) as tmp:
            frame.to_parquet(tmp, index=False)
    return target


def records_frame(records: Iterable[Record], record_type: type[Record]) -> pd.DataFrame:
    rows = [r.to_row() for r in records]
    return pd.DataFrame(rows, columns=record_type.columns())


def write_records(
    records: Iterable[Record], record_type: type[Record], target: str | Path, parquet: bool = False
) -> Path:
    return write_frame(records_frame(records, record_type), target, parquet=parquet)


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by ``write_frame`` with every cell as a string ("" for empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_records(path: str | Path, record_type: type[R]) -> list[R]:
    path = Path(path)
    if not path.exists():
        return []
    return [record_type.from_row(row) for row in read_frame(path).to_dict("records")]


def write_jsonl(records: Iterable[Record], target: str | Path) -> Path:
    lines = [json.dumps(r.to_row(), ensure_ascii=False) for r in records]
    return write_text(target, "".join(line + "\n" for line in lines))


def read_jsonl(path: str | Path, record_type: type[R]) -> list[R]:
    path = Path(path)
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [record_type.from_row(json.loads(line)) for line in handle if line.strip()]
