"""Placeholder: read access to the graph for the explorer (being written)."""


class Repository:
    def __init__(self, store_dir):
        self.store_dir = store_dir
