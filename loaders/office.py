"""Convert a legacy Word file (.doc, and WPS Office's .wps) to .docx with LibreOffice headless, for
loaders.docx_text to read; a clear PlanInputError when LibreOffice (`soffice`) is not installed or fails."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEBIAN_PACKAGE = "libreoffice-writer-nogui"
TIMEOUT_S = 120


def soffice() -> str | None:
    """The LibreOffice command on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, target: str, folder: Path) -> Path:
    """`path` converted by LibreOffice headless to `target` ("docx", "pdf", "doc" …) in `folder`; raises
    PlanInputError naming the file and what went wrong. Each call has a profile of its own, so conversions can run
    side by side (and beside a LibreOffice the user has open)."""
    from loaders.reading import PlanInputError

    command = soffice()
    if command is None:
        raise PlanInputError(
            path,
            f"{path.suffix} needs LibreOffice to be read: soffice is not on PATH "
            f"(install the Debian package {DEBIAN_PACKAGE})",
        )
    profile = folder / "profile"
    args = [
        command,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(folder),
        str(path.resolve()),
    ]
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as e:
        raise PlanInputError(path, f"LibreOffice did not convert it within {TIMEOUT_S} s") from e
    out = folder / f"{path.stem}.{target.split(':')[0]}"
    if done.returncode != 0 or not out.is_file():
        said = (done.stderr or done.stdout).strip().splitlines()
        raise PlanInputError(
            path,
            f"LibreOffice could not convert it to {target.split(':')[0]}"
            + (f" ({said[-1]})" if said else ""),
        )
    return out


@contextmanager
def converted_to_docx(path: Path) -> Iterator[Path]:
    """The .docx LibreOffice makes of `path`, in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lantian-office-") as folder:
        yield convert(Path(path), "docx", Path(folder))
