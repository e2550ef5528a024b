"""The explorer: Flask application factory. Each area is a blueprint: pages (home, search, plan, task, agency,
/id/… resources and downloads), sparql (the SPARQL 1.1 endpoint and editor), networks (pyvis views), compare
(two plans side by side, coverage) and audit (overdue, gaps, brokers, timelines).

`create_app(config)` builds an app over one store folder; nothing global beyond the app.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DEFAULTS = {
    "STORE": None,  # store folder; None = kg.store.default_store_dir()
    "QUERY_TIMEOUT": 10.0,  # seconds, for /sparql queries
    "ROW_LIMIT": 10000,  # rows, for /sparql SELECT results
    "DEFAULT_LANG": "zh",
}


def create_app(config: dict | None = None) -> Flask:
    """The explorer over the store named in config["STORE"]."""
    from kg.store import default_store_dir
    from web import audit, compare, i18n, networks, pages, sparql
    from web.repository import Repository

    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["STORE"] = Path(app.config["STORE"] or default_store_dir())
    app.json.ensure_ascii = False  # Chinese as itself in JSON and |tojson, not six-byte \u escapes
    app.extensions["repository"] = Repository(app.config["STORE"])
    i18n.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(networks.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(audit.bp)
    return app
