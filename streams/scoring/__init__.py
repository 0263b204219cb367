"""The worker's core, free of Kafka: datasets scored in batches, anomaly events built."""
