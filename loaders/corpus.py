"""Find the plan files a build is asked for and load each one, so that one bad file never stops the others.

With no path the bundled corpus is used: ``data/plans/`` beside the packages, or the folder named by
``$LANTIAN_PLANS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
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
        if path.is_dir():
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file()
                and is_plan_file(f)
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
            if not found:
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


def load_file(path: Path) -> LoadResult:
    """Load one plan; any failure becomes the result's problem instead of an exception."""
    from loaders.plan import load_plan

    try:
        return LoadResult(path, plan=load_plan(path))
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
