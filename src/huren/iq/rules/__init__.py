"""Rule files of huren.iq (TOML data the QC centre edits)."""
