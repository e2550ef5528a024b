"""Placeholder: the compare blueprint (being written)."""

from flask import Blueprint

bp = Blueprint("compare", __name__)
