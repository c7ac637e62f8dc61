"""The event contract: Avro schemas, event catalog, PII policy, SQL tables and migrations."""
