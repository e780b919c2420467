"""Failed sign-in counters per account and client (issue 11; filled by the lockout work)."""
