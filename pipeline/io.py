"""Reading and writing record tables: CSV (always) and Parquet (optional), written atomically.

CSV files are for people as much as for programs, and people open them in spreadsheets. A cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run there as a
formula, so ``write_frame`` writes such a cell with a leading apostrophe (the OWASP rule for CSV
injection); ``read_frame`` takes it off again, so every reader in the project sees the original
text. Parquet files hold the values exactly as they are. A value that is already one apostrophe
away from a formula (``'=x``) gets one more apostrophe, so the rule can be undone without doubt.

File names and text may hold bytes that are not UTF-8 (a name from another system, a broken
font map); every writer here shows them escaped (``\\xe9``) instead of failing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.records import Record

if TYPE_CHECKING:
    import pandas as pd

R = TypeVar("R", bound=Record)
_UMASK = os.umask(0)
os.umask(_UMASK)
# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
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


_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: str | Path) -> str:
    """``file_sha256``, remembered in this process while the file's size and mtime stay the same."""
    stat = os.stat(path)
    key = (os.fsdecode(os.path.abspath(path)), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def safe_text(text: str) -> str:
    """``text`` with any lone surrogate (an undecodable byte of a file name, a broken character)
    shown as an escape: ``\\xe9`` for a byte kept by ``surrogateescape``, ``\\ud800`` otherwise."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_escape_char(c) for c in text)


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if 0xD800 <= code <= 0xDFFF else char


def display_name(path: str | Path) -> str:
    """A file's name as text that can be written anywhere: undecodable bytes escaped."""
    return safe_text(Path(path).name)


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula (reversed by ``original_cell``)."""
    if not isinstance(value, str) or not value:
        return value
    value = safe_text(value)
    if value.startswith(FORMULA_STARTS) or (value[0] == "'" and value.lstrip("'").startswith(FORMULA_STARTS)):
        return "'" + value
    return value


def original_cell(value: Any) -> Any:
    """The value ``spreadsheet_cell`` was given."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if frame[c].dtype == object]


def _map_text(frame: pd.DataFrame, function: Callable[[Any], Any]) -> pd.DataFrame:
    columns = _text_columns(frame)
    if not columns or frame.empty:
        return frame
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].map(function)
    return frame


def write_text(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(safe_text(text), encoding="utf-8")
    return Path(target)


def write_frame(frame: pd.DataFrame, target: str | Path, parquet: bool = False) -> Path:
    """Write ``frame`` as spreadsheet-safe UTF-8 CSV (and exact Parquet with the same stem when
    asked), atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        _map_text(frame, spreadsheet_cell).to_csv(tmp, index=False, encoding="utf-8")
    if parquet:
        with atomic_path(target.with_suffix(".parquet")) as tmp:
            _map_text(frame, lambda v: safe_text(v) if isinstance(v, str) else v).to_parquet(tmp, index=False)
    return target


def records_frame(records: Iterable[Record], record_type: type[Record]) -> pd.DataFrame:
    import pandas as pd

    rows = [r.to_row() for r in records]
    return pd.DataFrame(rows, columns=record_type.columns())


def write_records(
    records: Iterable[Record], record_type: type[Record], target: str | Path, parquet: bool = False
) -> Path:
    return write_frame(records_frame(records, record_type), target, parquet=parquet)


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by ``write_frame``: every cell a string ("" for empty), as it was given."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return _map_text(frame, original_cell)


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
