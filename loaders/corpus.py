"""Find the plan files a build is asked for and load each one, so that one bad file never stops the others.

With no path the bundled corpus is used: ``data/plans/`` beside the packages, or the folder named by
``$LANTIAN_PLANS``. A file, sidecar or folder that cannot be read is a problem named with its path, and
loading one file may take at most a time limit (`load_file`), so no file holds the others up.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loaders.reading import PLAN_SUFFIXES, PlanInputError
from loaders.records import Plan

PLANS_ENV = "LANTIAN_PLANS"


@dataclass
class LoadResult:
    """The outcome of loading one file: its Plan, or the problem that stopped it."""

    path: Path
    plan: Plan | None = None
    problem: PlanInputError | None = None


def bundled_plans_dir() -> Path:
    """The bundled corpus: $LANTIAN_PLANS, else data/plans/ next to the loaders package."""
    if os.environ.get(PLANS_ENV):
        return Path(os.environ[PLANS_ENV]).expanduser()
    return Path(__file__).resolve().parent.parent / "data" / "plans"


def is_plan_file(path: Path) -> bool:
    """A plan file by its suffix; hidden files and sidecars (.yaml metadata) are not plans."""
    return path.suffix.lower() in PLAN_SUFFIXES and not path.name.startswith(".")


def discover(paths: Iterable[Path | str] = ()) -> tuple[list[Path], list[PlanInputError]]:
    """Plan files under ``paths`` (files, or folders searched recursively), in a stable order.

    Returns the files and the problems met: a missing path, a folder holding no plan, a named file
    that is not a plan. No paths means the bundled corpus.
    """
    paths = [Path(p) for p in paths] or [bundled_plans_dir()]
    suffixes = " ".join(PLAN_SUFFIXES)
    files: list[Path] = []
    problems: list[PlanInputError] = []
    for path in paths:
        try:
            path.stat()
        except FileNotFoundError:
            pass  # told below
        except OSError as error:  # a folder on the way that may not be entered
            problems.append(PlanInputError(path, f"cannot be read: {error.strerror or error}"))
            continue
        if path.is_dir():
            found, unreadable = _plan_files(path)
            problems.extend(unreadable)
            if not found and not unreadable:
                problems.append(PlanInputError(path, f"folder contains no plan files ({suffixes})"))
            files.extend(found)
        elif path.is_file():
            if is_plan_file(path):
                files.append(path)
            else:
                problems.append(PlanInputError(path, f"not a plan file: expected one of {suffixes}"))
        else:
            problems.append(PlanInputError(path, "no such file or folder"))
    unique = list(dict.fromkeys(f.resolve() for f in files))
    return unique, problems


def _plan_files(folder: Path) -> tuple[list[Path], list[PlanInputError]]:
    """The plan files under `folder` (hidden files and folders left out), sorted; and a problem for each
    subfolder that cannot be read."""
    found, problems = [], []

    def unreadable(error: OSError) -> None:
        problems.append(PlanInputError(error.filename, f"folder cannot be read: {error.strerror or error}"))

    for root, folders, names in os.walk(folder, onerror=unreadable):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in [name for name in folders if Path(root, name).is_symlink()]:  # os.walk does not enter them
            folders.remove(name)
            problems.append(
                PlanInputError(
                    Path(root, name),
                    f"a link to the folder {Path(root, name).resolve()}: not followed (name that folder to load it)",
                )
            )
        found += [Path(root, name) for name in names if is_plan_file(Path(name))]
    inside, outside = _within(sorted(f for f in found if _is_file(f)), folder)
    problems += [
        PlanInputError(
            path, f"a link to {target}, outside the folder {folder}: not read (name that file to load it)"
        )
        for path, target in outside
    ]
    return inside, problems


def _within(files: list[Path], folder: Path) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """The files whose real path lies in `folder`, and (file, real path) for each link leading out of it: a folder
    of plans from elsewhere (an unpacked archive) may hold a link to any file of this machine, which the build
    would read and the explorer offer for download as the plan's source."""
    root = folder.resolve()
    inside, outside = [], []
    for path in files:
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # a loop of links: reading it names the problem
            inside.append(path)
            continue
        if target.is_relative_to(root):
            inside.append(path)
        else:
            outside.append((path, target))
    return inside, outside


def _is_file(path: Path) -> bool:
    """A regular file (or a link to one); True also when it cannot be told, so that reading it names why."""
    try:
        return path.is_file()
    except OSError:
        return True


class _Overtime(BaseException):
    """Loading a file ran out of its time (a BaseException, so the extraction's own handlers let it pass)."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `_Overtime` in the block after `seconds` (a SIGALRM timer: only in the main thread, where a
    build runs; elsewhere, or with no seconds, the block is not limited)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, expire)
    # a process forked while the alarm was blocked (an extraction process inherits its parent's mask) would
    # never receive it
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    # and the alarm repeats every 50 ms once the time is up: a handler that runs while Python is in a
    # finaliser (a __del__ or weakref callback the garbage collector calls) has its exception printed and
    # dropped, and a single alarm would then let the file run on
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_file(path: Path, time_limit: float | None = None) -> LoadResult:
    """Load one plan; any failure becomes the result's problem instead of an exception. Reading and
    extracting it may take at most `time_limit` seconds (None: no limit)."""
    from loaders.plan import load_plan

    try:
        with _time_limit(time_limit):
            return LoadResult(path, plan=load_plan(path))
    except _Overtime:
        problem = f"not loaded: reading it took over the limit of {time_limit:g} s"
        return LoadResult(path, problem=PlanInputError(path, problem))
    except PlanInputError as error:
        return LoadResult(path, problem=error)
    except Exception as error:  # an extraction bug in one plan must not stop the others
        return LoadResult(
            path, problem=PlanInputError(path, f"could not be processed ({type(error).__name__}: {error})")
        )


def load_corpus(paths: Iterable[Path | str] = ()) -> Iterator[LoadResult]:
    """One LoadResult per discovered file, and one per path problem (those first)."""
    files, problems = discover(paths)
    for problem in problems:
        yield LoadResult(Path(problem.path), problem=problem)
    for path in files:
        yield load_file(path)


def load_plans(paths: Iterable[Path | str] = ()) -> tuple[list[Plan], list[PlanInputError]]:
    """Load every plan under ``paths`` and link their citations; returns (plans, problems)."""
    from loaders.plan import unify_citations

    plans, problems = [], []
    for result in load_corpus(paths):
        if result.plan is not None:
            plans.append(result.plan)
        else:
            problems.append(result.problem)
    unify_citations(plans)
    return plans, problems
