"""Location: fix ingestion, the live index of on-duty members, presence, geofences and tracks."""
