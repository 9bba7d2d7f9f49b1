"""huren (互认): qualification of imaging devices for mutual recognition of results."""

__version__ = "0.1.0"
