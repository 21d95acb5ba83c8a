"""TLS for the gRPC listener, with certificates that rotate without a restart.

grpc asks `CertificateFiles.fetch` for the certificate configuration at every TLS handshake
(grpc.dynamic_ssl_server_credentials); it answers None ("unchanged") until one of the files
changes, then the new files. Operators and tools such as cert-manager replace the files in
place, not always both at the same instant: a certificate whose key is not yet the matching one
is not taken, the old pair keeps serving, and the next handshake looks again.
"""

from __future__ import annotations

import os

import grpc
import structlog
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from openchat.server.settings import SettingsConflict, TlsSettings

_log = structlog.get_logger(__name__)

# What identifies a file's content without reading it: a replaced or rewritten file changes it.
_Stamp = tuple[int, int, int]


class CertificateFiles:
    """The certificate chain, its key and (for mutual TLS) the client CA, read from files
    whenever their stamps change."""

    def __init__(self, cert_file: str, key_file: str, client_ca_file: str | None) -> None:
        self._paths = [path for path in (cert_file, key_file, client_ca_file) if path]
        self._cert_file = cert_file
        self._key_file = key_file
        self._client_ca_file = client_ca_file
        self._stamps = self._stamp()
        self.initial = self._load()

    def fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """The new configuration when a file changed since the last one taken, else None."""
        try:
            stamps = self._stamp()
            if stamps == self._stamps:
                return None
            configuration = self._load()
        except (OSError, ValueError) as error:
            # Mid-rotation (a key that does not match yet, a half-written file): keep serving
            # the old pair; the next handshake looks again.
            _log.warning("tls_reload_deferred", error=str(error))
            return None
        self._stamps = stamps
        _log.info("tls_certificate_reloaded", cert_file=self._cert_file)
        return configuration

    def _stamp(self) -> list[_Stamp]:
        stamps = []
        for path in self._paths:
            status = os.stat(path)
            stamps.append((status.st_mtime_ns, status.st_size, status.st_ino))
        return stamps

    def _load(self) -> grpc.ServerCertificateConfiguration:
        chain = _read(self._cert_file)
        key = _read(self._key_file)
        _check_pair(chain, key)
        return grpc.ssl_server_certificate_configuration(
            [(key, chain)],
            root_certificates=_read(self._client_ca_file) if self._client_ca_file else None,
        )


def server_credentials(tls: TlsSettings) -> grpc.ServerCredentials | None:
    """Credentials that serve the configured files and follow their changes; with a client CA,
    clients must present a certificate it signed. None when TLS is not configured.
    SettingsConflict, naming the variables, when the files hold no matching certificate and
    key."""
    if tls.cert_file is None or tls.key_file is None:
        return None
    try:
        files = CertificateFiles(tls.cert_file, tls.key_file, tls.client_ca_file)
    except (OSError, ValueError) as error:
        raise SettingsConflict(
            f"OPENCHAT_TLS_CERT_FILE / OPENCHAT_TLS_KEY_FILE ({tls.cert_file}, {tls.key_file}): "
            f"{error}"
        ) from None
    return grpc.dynamic_ssl_server_credentials(
        files.initial,
        # grpc documents None as "unchanged"; grpc-stubs' type forgets it.
        files.fetch,  # type: ignore[arg-type]
        require_client_authentication=tls.client_ca_file is not None,
    )


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _check_pair(chain: bytes, key: bytes) -> None:
    """ValueError unless `key` is the private key of the chain's first certificate."""
    certificate = x509.load_pem_x509_certificate(chain)
    private_key = load_pem_private_key(key, password=None)
    if certificate.public_key() != private_key.public_key():
        raise ValueError("the TLS key does not belong to the certificate")
