"""A throw-away CA and a certificate for 127.0.0.1 signed by it, made with the `openssl` command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["write_certificates"]


def write_certificates(folder: Path) -> dict[str, Path]:
    """`ca` (the CA's certificate), `certificate` and `key` (for 127.0.0.1 and localhost), and
    `keystore` (key and certificate in one PEM file, as the broker reads them)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the `openssl` command is needed (Debian: apt-get install openssl)")
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    key, request, certificate = folder / "key.pem", folder / "request.csr", folder / "cert.pem"
    extensions = folder / "extensions.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def run(*arguments: str | Path) -> None:
        subprocess.run([openssl, *map(str, arguments)], check=True, capture_output=True)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
        "-keyout", ca_key, "-out", ca,
    )  # fmt: skip
    run(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", key, "-out", request,
    )  # fmt: skip
    run(
        "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-days", "2", "-extfile", extensions, "-out", certificate,
    )  # fmt: skip
    keystore = folder / "keystore.pem"
    keystore.write_text(key.read_text() + certificate.read_text())
    return {"ca": ca, "certificate": certificate, "key": key, "keystore": keystore}
