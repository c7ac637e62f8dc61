"""What writes into Kafka: the HTTP bridge, the Python SDK and the web SDK (producers/web/)."""
