"""The validate stage: raw JSON events -> validated, PII-free Avro events (or dead letters)."""
