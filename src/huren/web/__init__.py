"""The web interface (Chinese first) and the ``huren serve`` command that runs it all."""
