"""Gateway: the HTTP API for the apps and the console; it owns no domain data."""
