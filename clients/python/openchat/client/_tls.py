"""TLS credentials from PEM files, for servers that listen with TLS (and mutual TLS)."""

from __future__ import annotations

import os

import grpc

PathLike = str | os.PathLike[str]


def tls_credentials(
    ca_file: PathLike | None = None,
    cert_file: PathLike | None = None,
    key_file: PathLike | None = None,
) -> grpc.ChannelCredentials:
    """Credentials for `Client(credentials=...)`: trust the server certificates `ca_file`
    signed (None: the system's trusted roots), and present `cert_file` with `key_file` (both
    or neither) to a server that requires client certificates.

    Raises ValueError when only one of `cert_file` and `key_file` is given, OSError when a
    file cannot be read."""
    if (cert_file is None) != (key_file is None):
        raise ValueError("a client certificate needs its key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file),
        private_key=_read(key_file),
        certificate_chain=_read(cert_file),
    )


def _read(path: PathLike | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as file:
        return file.read()
