"""Shared fixtures: the bundled corpus built once per session into a temporary store.

Every test runs with LANTIAN_STORE pointing into a temporary folder, so no test touches the user's store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main


@dataclass
class BuiltCorpus:
    """The bundled corpus built by `kg build`: its store folder and what the command printed."""

    store: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session", autouse=True)
def _private_store(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LANTIAN_STORE", str(tmp_path_factory.mktemp("default-store") / "store"))
        patch.delenv("LANTIAN_PLANS", raising=False)
        yield


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory) -> BuiltCorpus:
    store = tmp_path_factory.mktemp("bundled") / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return BuiltCorpus(store, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def built_store(built_corpus) -> Path:
    """The folder of a store holding the bundled corpus (open it with kg.store.open_graph)."""
    return built_corpus.store


@pytest.fixture(scope="session")
def store_graph(built_store):
    """The bundled corpus' store, open read-only for the whole session."""
    from kg.store import open_graph

    with open_graph(built_store) as graph:
        yield graph


@pytest.fixture(scope="module")
def app(built_store):
    """The explorer over the bundled corpus (a test file may define its own with other settings)."""
    from web import create_app

    return create_app({"STORE": built_store, "TESTING": True})


@pytest.fixture
def client(app):
    """A fresh client per test: the language cookie of one test does not leak into the next."""
    return app.test_client()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server on a free loopback port with a fresh data folder (one per test module); its
    base URL: queries at /query, the Graph Store endpoint at /store."""
    from helpers import oxigraph_server as running_oxigraph

    with running_oxigraph(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base
