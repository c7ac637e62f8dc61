"""The consumer-group runtime and the stages built on it (validate, store)."""
