"""The local stack: real Apache Kafka (KRaft) and PostgreSQL plus the interlog services, no Docker."""
