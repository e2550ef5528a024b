"""Placeholder: the networks blueprint (being written)."""

from flask import Blueprint

bp = Blueprint("networks", __name__)
