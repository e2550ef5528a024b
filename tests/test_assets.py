"""Static assets (web/assets.py): versioned URLs cached for a year, gzip for clients that accept it (the byte
content unchanged once unzipped), a favicon, and the accessibility landmarks every page carries."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def _asset_urls(client) -> list[str]:
    page = client.get("/?lang=zh").get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_static_files_are_gzipped_and_cached_by_version(client):
    urls = _asset_urls(client)
    css = next(u for u in urls if "/static/app.css" in u)
    assert re.search(r"\?v=[0-9a-f]{12}$", css)
    response = client.get(css, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "no-cache" not in cache
    assert gzip.decompress(response.data) == (STATIC / "app.css").read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data) < (STATIC / "app.css").stat().st_size
    plain = client.get(css, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == (STATIC / "app.css").read_bytes()


def test_an_unversioned_or_stale_url_is_cached_briefly(client):
    response = client.get("/static/app.css?v=000000000000", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "immutable" not in response.headers["Cache-Control"]
    assert "max-age=3600" in response.headers["Cache-Control"]


def test_the_network_library_is_versioned_and_gzipped(client):
    page = client.get("/network/agency/红河州/环境保护局").get_data(as_text=True)
    url = re.search(r'src="(/network/lib/vis-network\.min\.js\?v=[0-9a-f]+)"', page)[1]
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and "immutable" in response.headers["Cache-Control"]


def test_every_page_has_a_skip_link_a_labelled_search_a_favicon_and_marks_the_current_menu_entry(client):
    page = client.get("/plans?lang=zh").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert '<label for="site-search"' in page and 'id="site-search"' in page
    assert re.search(r'<a href="/plans" aria-current="page">', page)
    assert page.count('aria-current="page"') == 1
    assert 'rel="icon"' in page
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.mimetype == "image/svg+xml"
    assert '<a href="/coverage"' in page  # the coverage picker is in the menu
