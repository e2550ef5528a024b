"""Static assets sent compressed and cached: every URL built for a static file (``url_for('static', …)`` and the
vis-network library) carries a version, the first characters of a hash of the file's content
(``/static/app.css?v=3f2a…``), and a versioned URL is cached by browsers for a year (``immutable``); a new file
gets a new URL. A client that accepts gzip gets the file gzipped (yasgui.min.js: 1 MB → about 300 KB), compressed
once per file version and kept in memory. Everything stays local: nothing comes from a CDN.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import time
from pathlib import Path

from flask import Flask, request, send_from_directory

YEAR = 365 * 24 * 3600
UNVERSIONED_AGE = 3600  # seconds an unversioned asset URL is cached (an old page's link)
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
MIN_SIZE = 1024  # bytes: smaller files are sent as they are
ASSET_ENDPOINTS = {"static": None, "networks.vis_library": "name"}

_lock = threading.Lock()
_versions: dict[tuple[str, int, int], str] = {}
_compressed: dict[tuple[str, str], bytes] = {}


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


_RECHECK = 2.0  # seconds a file's version is trusted before its stamp is read again
_checked: dict[str, tuple[float, str | None]] = {}


def file_version(path: Path) -> str | None:
    """The first 12 hex digits of the SHA-256 of the file (remembered until the file changes). The file's stamp
    is read at most every 2 s: a page links several assets, and a system call a link gave the interpreter up
    to the busy request threads at each (the pages of a loaded server waited on it)."""
    now = time.monotonic()
    seen = _checked.get(str(path))
    if seen is not None and now - seen[0] < _RECHECK:
        return seen[1]
    version = _file_version(path)
    _checked[str(path)] = (now, version)
    return version


def _file_version(path: Path) -> str | None:
    stamp = _stamp(path)
    if stamp is None:
        return None
    with _lock:
        if stamp in _versions:
            return _versions[stamp]
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    with _lock:
        _versions[stamp] = version
    return version


def _asset_path(app: Flask, endpoint: str, values: dict) -> Path | None:
    if endpoint == "static" and values.get("filename"):
        return Path(app.static_folder) / values["filename"]
    if endpoint == "networks.vis_library" and values.get("name"):
        from web.networks import VIS_DIR

        return VIS_DIR / values["name"]
    return None


def _gzipped(key: tuple[str, str], data: bytes) -> bytes:
    with _lock:
        held = _compressed.get(key)
    if held is None:
        held = gzip.compress(data, compresslevel=9, mtime=0)
        with _lock:
            if len(_compressed) > 256:
                _compressed.clear()
            _compressed[key] = held
    return held


def init_app(app: Flask) -> None:
    """Version the asset URLs, cache versioned assets for a year, and gzip them for clients that accept it."""

    @app.route("/favicon.ico")
    def favicon():
        return send_from_directory(
            app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=UNVERSIONED_AGE
        )

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint in ASSET_ENDPOINTS and "v" not in values:
            path = _asset_path(app, endpoint, values)
            version = file_version(path) if path else None
            if version:
                values["v"] = version

    @app.after_request
    def compress_and_cache(response):
        if request.endpoint not in ASSET_ENDPOINTS or response.status_code not in (200, 304):
            return response
        path = _asset_path(app, request.endpoint, request.view_args or {})
        version = file_version(path) if path else None
        if version and request.args.get("v") == version:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        else:
            response.cache_control.public = True
            response.cache_control.max_age = UNVERSIONED_AGE
            response.cache_control.no_cache = None
        response.vary.add("Accept-Encoding")
        if (
            response.status_code != 200
            or "gzip" not in request.accept_encodings
            or not (response.mimetype or "").startswith(COMPRESSIBLE)
            or response.headers.get("Content-Encoding")
        ):
            return response
        key = (str(path), version or "")
        with _lock:
            body = _compressed.get(key)  # compressed once: the file is not read again for each request
        if body is None:
            response.direct_passthrough = False
            data = response.get_data()
            if len(data) < MIN_SIZE:
                return response
            body = _gzipped(key, data)
        elif hasattr(response.response, "close"):
            response.response.close()  # the file send_file opened: its compressed bytes are sent instead
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(body))
        if response.headers.get("ETag"):
            response.set_etag(response.get_etag()[0] + "-gz")
        return response
