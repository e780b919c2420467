"""Identity: password hashing, permissions, session loading and the sign-in pages."""
