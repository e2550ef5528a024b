"""The explorer's background work (spaCy, matplotlib) waits until no request is in flight (web.warm_up)."""

from __future__ import annotations

import threading

from flask import Flask

from web import warm_up


def test_background_work_waits_for_the_requests_in_flight(monkeypatch):
    monkeypatch.setattr(warm_up, "QUIET", 0.5)
    app = Flask(__name__)
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    @app.get("/slow")
    def slow():
        started.set()
        release.wait(10)
        return "ok"

    warm_up.when_idle(app, "warm-test", done.set)  # as the explorer does, before its first request
    client = app.test_client()
    request = threading.Thread(target=client.get, args=("/slow",))
    request.start()
    assert started.wait(10) and not done.is_set()
    assert not done.wait(1.5)  # three quiet periods pass while the request is in flight: the work waits
    release.set()
    request.join(10)
    assert done.wait(5)  # once it has ended and the server is quiet, the work runs


def test_a_testing_app_does_no_background_work():
    app = Flask(__name__)
    app.testing = True
    done = threading.Event()
    warm_up.when_idle(app, "warm-test", done.set)
    assert not done.wait(0.5)


def test_the_explorer_reads_what_a_search_compares_with_once_idle(built_store, monkeypatch):
    import time

    from web import create_app

    monkeypatch.setattr(warm_up, "QUIET", 0.1)
    app = create_app({"STORE": built_store})
    repository = app.extensions["repository"]
    texts = repository.source.task_texts()
    deadline = time.monotonic() + 60
    while "search-agencies" not in repository._cache and time.monotonic() < deadline:
        time.sleep(0.1)
    # the agencies' names and the task texts in Simplified, made before anyone searched
    assert "search-agencies" in repository._cache and texts._simplified is not None
    found = repository.search_found("扬尘")  # 钦州's 二.(四).2: 加强各类堆场扬尘治理
    assert any(task.endswith("/二.(四).2") for task in found["own"])
