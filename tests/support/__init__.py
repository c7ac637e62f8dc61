"""Helpers shared by the integration tests: real stacks, services as processes, waiting with deadlines."""
