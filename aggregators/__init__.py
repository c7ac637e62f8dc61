"""Pure aggregation logic: folds over events, with no Kafka, HTTP or database client."""
