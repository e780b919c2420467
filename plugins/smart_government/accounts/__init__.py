"""Resident accounts: a resident signs in with NIK and PIN and recovers a forgotten PIN with a code
to their phone (``service``, PIN rules and lockout in ``pins``), asks for an account or registers as
a new arrival (``registration``), and staff decide (``review``); with their pages and API."""
