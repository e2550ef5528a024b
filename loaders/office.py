"""Convert a legacy Office file with LibreOffice headless: a Word file (.doc, and WPS Office's .wps) to .docx for
loaders.docx_text, a spreadsheet (.xls, and WPS Office's .et) to .xlsx for loaders.sheet_text; a clear PlanInputError
when LibreOffice (`soffice`, or its spreadsheet part Calc) is not installed or fails."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEBIAN_PACKAGE = "libreoffice-writer-nogui"
CALC_PACKAGE = "libreoffice-calc-nogui"  # LibreOffice's spreadsheet part, which reads .xls and .et
TIMEOUT_S = 120


def soffice() -> str | None:
    """The LibreOffice command on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def has_calc(command: str) -> bool:
    """Whether the LibreOffice of `command` has Calc installed (its library beside the soffice program)."""
    program = Path(shutil.which(command) or command).resolve().parent
    return any(program.glob("libsclo.*"))


def run_soffice(
    command: str, paths: list[Path], target: str, folder: Path, timeout: float, infilter: str | None = None
):
    """One headless LibreOffice run converting `paths` to `target` ("docx", "pdf", "doc", or a filter with its
    options) into `folder`, with a profile of its own (so runs can go side by side, and beside a LibreOffice the user
    has open); the finished subprocess. `infilter` names the import filter (LibreOffice otherwise guesses, and takes
    a damaged file for text). Raises subprocess.TimeoutExpired past `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="lantian-lo-profile-") as profile:
        return subprocess.run(
            [
                command,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                *([f"--infilter={infilter}"] if infilter else []),
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


def convert(
    path: Path, target: str, folder: Path, package: str = DEBIAN_PACKAGE, infilter: str | None = None
) -> Path:
    """`path` converted by LibreOffice headless to `target` in `folder` (read by the import filter `infilter` when
    given); raises PlanInputError naming the file and what went wrong (LibreOffice missing, failing, or taking more
    than TIMEOUT_S). `package` is the Debian package the conversion needs."""
    from loaders.reading import PlanInputError

    command = soffice()
    if command is None:
        raise PlanInputError(
            path,
            f"{path.suffix} needs LibreOffice to be read: soffice is not on PATH "
            f"(install the Debian package {package})",
        )
    if package == CALC_PACKAGE and not has_calc(command):
        raise PlanInputError(
            path,
            f"{path.suffix} needs LibreOffice Calc to be read: soffice has no Calc "
            f"(install the Debian package {package})",
        )
    try:
        done = run_soffice(command, [path], target, folder, TIMEOUT_S, infilter)
    except subprocess.TimeoutExpired as e:
        raise PlanInputError(path, f"LibreOffice did not convert it within {TIMEOUT_S} s") from e
    out = folder / f"{path.stem}.{target.split(':')[0]}"
    if done.returncode != 0 or not out.is_file():
        said = (done.stderr or done.stdout).strip().splitlines()
        raise PlanInputError(
            path,
            f"LibreOffice could not convert it to {target.split(':')[0]}"
            + (f" ({said[-1]})" if said else "")
            + ": damaged, password-protected, or not this kind of file",
        )
    return out


@contextmanager
def converted_to_docx(path: Path) -> Iterator[Path]:
    """The .docx LibreOffice makes of `path`, in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lantian-office-") as folder:
        yield convert(Path(path), "docx", Path(folder))


EXCEL_97 = "MS Excel 97"  # LibreOffice's import filter of binary workbooks (BIFF: .xls, and WPS Office's .et)


@contextmanager
def converted_to_xlsx(path: Path, infilter: str | None = None) -> Iterator[Path]:
    """The .xlsx LibreOffice Calc makes of a spreadsheet `path` (read by the import filter `infilter` when given), in
    a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lantian-office-") as folder:
        yield convert(Path(path), "xlsx", Path(folder), CALC_PACKAGE, infilter)
