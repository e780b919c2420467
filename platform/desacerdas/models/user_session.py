"""Browser sessions kept on the server, so that signing out ends them (issue 11)."""
