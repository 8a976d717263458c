"""Files replaced whole: written under a temporary name beside the final one, synced to disk, then renamed onto
it (``os.replace``). A reader — or a folder left behind by a kill, a full disk or a power loss — sees the old
file or the new one, never part of one. Used for every file written into a results folder that may already be
complete (manifests, the tables a ``--resume`` of a finished batch writes again, and every chart:
``report.house_style.save``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

# Staging folders and temporary files start with this: listings and claims skip them, and a dead process's ones
# are removed when its folder is taken over (``folders.py``).
PARTIAL = ".innosim-partial"


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write the file to; when the block ends it is synced to disk and renamed
    onto ``path`` (``os.replace``), so a reader — or a folder left by a kill, a full disk or a power loss — holds
    the old file or the new one, never part of one. On an error the temporary file is removed."""
    # Named like a staging folder (see PARTIAL); it ends with the final name, so pandas infers the same format
    # (and compression) from the suffix.
    tmp = path.with_name(f"{PARTIAL}-{os.getpid()}.{path.name}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the data reaches the disk before the new name does
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically (see ``replacing``)."""
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def write_csv(frame: pd.DataFrame, path: Path, **kw) -> Path:
    """``frame.to_csv(path, index=False, **kw)``, replacing ``path`` whole."""
    with replacing(path) as tmp:
        frame.to_csv(tmp, index=False, **kw)
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """``frame.to_parquet(path, index=False)``, replacing ``path`` whole."""
    with replacing(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def copy_file(src: Path, dst: Path) -> Path:
    """Copy the bytes of ``src`` to ``dst``, replacing ``dst`` whole."""
    with replacing(Path(dst)) as tmp:
        shutil.copyfile(src, tmp)
    return Path(dst)
