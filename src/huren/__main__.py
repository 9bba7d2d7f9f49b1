from huren.cli import entry

raise SystemExit(entry())
