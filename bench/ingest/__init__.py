"""Fix ingestion through the gateway at city scale (issue #19): ``python -m bench.ingest``."""
