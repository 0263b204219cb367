"""Deployment tooling: the local Kafka broker (`local_kafka`); the folder also holds the
Dockerfile, Grafana dashboard, Prometheus rules and shipped datasets."""
