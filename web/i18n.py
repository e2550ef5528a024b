"""Interface language: Chinese first, English on request (?lang=en, remembered in a cookie).

`t(key)` in templates and code gives the text for the current request's language; the strings live in
MESSAGES, one entry per key with "zh" and "en".
"""

from __future__ import annotations

from flask import Flask, g, request

LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_name": {"zh": "蓝天 · 大气污染防治责任图谱", "en": "Lantian · accountability graph of air-pollution plans"},
    "home": {"zh": "首页", "en": "Home"},
    "search": {"zh": "搜索", "en": "Search"},
    "sparql": {"zh": "SPARQL 查询", "en": "SPARQL"},
    "language": {"zh": "English", "en": "中文"},
}


def current_lang() -> str:
    return getattr(g, "lang", "zh")


def t(key: str, **fields) -> str:
    """The message `key` in the current language (the key itself when unknown)."""
    text = MESSAGES.get(key, {}).get(current_lang()) or MESSAGES.get(key, {}).get("zh") or key
    return text.format(**fields) if fields else text


def init_app(app: Flask) -> None:
    @app.before_request
    def choose_language() -> None:
        asked = request.args.get("lang") or request.cookies.get("lang") or app.config["DEFAULT_LANG"]
        g.lang = asked if asked in LANGS else "zh"

    @app.after_request
    def remember_language(response):
        if request.args.get("lang") in LANGS:
            response.set_cookie("lang", request.args["lang"], samesite="Lax")
        return response

    app.jinja_env.globals.update(t=t, current_lang=current_lang)
