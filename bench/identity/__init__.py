"""Identity benchmark: the cost of a password hash and registrations per second end to end."""
