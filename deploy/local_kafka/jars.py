"""Resolve a runnable Kafka broker classpath from Maven Central with `mvn`, cached and reused."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from dexwatch.schemas.errors import KafkaSetupError

__all__ = ["ensure_jars", "require_executable"]

log = logging.getLogger(__name__)

_COMPLETE_MARKER = ".complete"

# Kafka's POM leaves the logging backend out; without it the broker logs nothing at all.
_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.dexwatch</groupId>
  <artifactId>dexwatch-local-kafka</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>
      <version>1.7.36</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId>
      <version>1.2.25</version></dependency>
  </dependencies>
</project>
"""

_UNREACHABLE_SIGNS = (
    "Could not transfer",
    "could not be resolved",
    "Could not resolve",
    "No plugin found",
    "UnknownHostException",
    "Connection refused",
    "Network is unreachable",
    "Connect to repo",
    "connect timed out",
)


def require_executable(name: str, hint: str) -> str:
    """The path of `name` on PATH, or a `KafkaSetupError` saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise KafkaSetupError(f"`{name}` was not found on PATH", hint)
    return path


def ensure_jars(version: str, libs_dir: Path) -> Path:
    """Download Kafka `version` and its runtime dependencies into `libs_dir` once; reuse after."""
    if (libs_dir / _COMPLETE_MARKER).exists():
        return libs_dir
    mvn = require_executable(
        "mvn", "install Apache Maven (Debian: `apt-get install maven`) and try again"
    )
    log.info("resolving Apache Kafka %s from Maven Central into %s", version, libs_dir)
    libs_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dexwatch-kafka-pom-") as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(_POM.format(version=version))
        result = subprocess.run(
            [
                mvn,
                "-B",
                "-q",
                "-Dstyle.color=never",
                "-f",
                str(pom),
                # Full coordinates: a fresh machine has no plugin prefix metadata cached.
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={libs_dir}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        tail = "\n".join(output.splitlines()[-15:])
        if any(sign in output for sign in _UNREACHABLE_SIGNS):
            raise KafkaSetupError(
                f"Maven could not download Kafka {version} from Maven Central:\n{tail}",
                "check the network or proxy (a mirror can be set in ~/.m2/settings.xml), "
                "then run `dexwatch kafka fetch` again",
            )
        raise KafkaSetupError(
            f"`mvn` failed to resolve Kafka {version} (exit {result.returncode}):\n{tail}",
            "check that the version exists on Maven Central (DEXWATCH_KAFKA_VERSION)",
        )
    jars = list(libs_dir.glob("kafka_2.13-*.jar"))
    if not jars:
        raise KafkaSetupError(
            f"`mvn` succeeded but no kafka_2.13 jar is in {libs_dir}",
            f"remove {libs_dir} and run `dexwatch kafka fetch` again",
        )
    (libs_dir / _COMPLETE_MARKER).write_text(version)
    log.info("Kafka %s jars ready (%d files)", version, len(list(libs_dir.glob("*.jar"))))
    return libs_dir
