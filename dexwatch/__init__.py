"""dexwatch: streaming anomaly detection on Apache Kafka, one import name.

The packages live in the repository's top-level folders; here each is a link
(`dexwatch/streams -> ../streams`, ...) so mypy, pytest and a checkout import them as
`dexwatch.<package>`, and the wheel maps the same names to the folders (pyproject `package-dir`).
See docs/development.md.
"""
