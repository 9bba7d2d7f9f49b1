"""People, roles, data scope, audit log and login throttling."""
