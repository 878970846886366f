"""Identity: members under their real name, credentials, tokens, and the protection of their PII."""
