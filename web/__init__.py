"""The explorer: Flask application factory. Each area is a blueprint: pages (home, search, plan, task, agency,
/id/… resources and downloads), sparql (the SPARQL 1.1 endpoint and editor), networks (pyvis views), compare
(two plans side by side, coverage) and audit (overdue, gaps, brokers, timelines).

`create_app(config)` builds an app over one store folder, or over a remote SPARQL 1.1 endpoint when
config["ENDPOINT"] is set (web.graph_source); nothing global beyond the app.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DEFAULTS = {
    "STORE": None,  # store folder; None = kg.store.default_store_dir()
    "ENDPOINT": None,  # a remote SPARQL 1.1 query endpoint URL to read instead of the store
    "ENDPOINT_USER": None,  # its HTTP authentication, as `kg push`: user and password (Basic, or Digest) …
    "ENDPOINT_PASSWORD": None,
    "ENDPOINT_DIGEST": False,
    "ENDPOINT_TOKEN": None,  # … or a Bearer token
    "CACHE_TTL": 60.0,  # seconds a remote server's answers are cached (the local store's: until a rebuild)
    "QUERY_TIMEOUT": 10.0,  # seconds, for /sparql queries (remote: for every request to the server)
    "ROW_LIMIT": 10000,  # rows, for /sparql SELECT results
    "MAX_ANSWER_MB": 16.0,  # bytes of a /sparql answer (cut at a row, or 413 when not one row fits)
    "MAX_QUERY_KB": 256,  # a longer /sparql query is refused unread (413)
    "QUERY_MEMORY_MB": 2048,  # address space of each /sparql query worker (None: no limit)
    "CLIENT_BUDGET": 60.0,  # seconds of /sparql query time each client (address) may use per minute
    "DEFAULT_LANG": "zh",
}


def create_app(config: dict | None = None) -> Flask:
    """The explorer over the store named in config["STORE"], or the endpoint in config["ENDPOINT"]."""
    from kg.store import default_store_dir
    from web import assets, audit, compare, i18n, networks, pages, sparql
    from web.graph_source import LocalStore, RemoteEndpoint
    from web.repository import _PREFIXES, Repository

    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["STORE"] = Path(app.config["STORE"] or default_store_dir())
    app.json.ensure_ascii = False  # Chinese as itself in JSON and |tojson, not six-byte \u escapes
    if app.config["ENDPOINT"]:
        source = RemoteEndpoint(
            app.config["ENDPOINT"],
            _PREFIXES,
            user=app.config["ENDPOINT_USER"],
            password=app.config["ENDPOINT_PASSWORD"],
            token=app.config["ENDPOINT_TOKEN"],
            digest=app.config["ENDPOINT_DIGEST"],
            timeout=app.config["QUERY_TIMEOUT"],
            ttl=app.config["CACHE_TTL"],
        )
    else:
        source = LocalStore(app.config["STORE"], _PREFIXES)
    app.extensions["repository"] = Repository(source)
    i18n.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(networks.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(audit.bp)
    assets.init_app(app)
    return app
