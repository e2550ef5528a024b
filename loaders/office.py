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


def run_soffice(command: str, paths: list[Path], target: str, folder: Path, timeout: float):
    """One headless LibreOffice run converting `paths` to `target` ("docx", "pdf", "doc", or a filter with its
    options) into `folder`, with a profile of its own (so runs can go side by side, and beside a LibreOffice the user
    has open); the finished subprocess. Raises subprocess.TimeoutExpired past `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="lantian-lo-profile-") as profile:
        return subprocess.run(
            [
                command,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(folder),
                *(str(Path(p).resolve()) for p in paths),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


def convert(path: Path, target: str, folder: Path) -> Path:
    """`path` converted by LibreOffice headless to `target` in `folder`; raises PlanInputError naming the file and
    what went wrong (LibreOffice missing, failing, or taking more than TIMEOUT_S)."""
    from loaders.reading import PlanInputError

    command = soffice()
    if command is None:
        raise PlanInputError(
            path,
            f"{path.suffix} needs LibreOffice to be read: soffice is not on PATH "
            f"(install the Debian package {DEBIAN_PACKAGE})",
        )
    try:
        done = run_soffice(command, [path], target, folder, TIMEOUT_S)
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
