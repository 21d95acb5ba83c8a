"""A stand-in identity provider: asymmetric signing keys made in the test, the JSON Web Key
Set that publishes their public halves, and tokens signed with them (or forged in the ways an
attacker would)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://id.test.example"
AUDIENCE = "openchat-test"


class SigningKey:
    """One of the provider's keys: RS256 (RSA 2048) or ES256 (P-256), named `kid`."""

    def __init__(self, kid: str, algorithm: str = "RS256") -> None:
        self.kid = kid
        self.algorithm = algorithm
        self._private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if algorithm == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )

    def jwk(self) -> dict[str, Any]:
        """The public key as the provider publishes it."""
        public = self._private.public_key()
        exported = (
            RSAAlgorithm.to_jwk(public, as_dict=True)
            if isinstance(public, rsa.RSAPublicKey)
            else ECAlgorithm.to_jwk(public, as_dict=True)
        )
        return {**exported, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self._private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def token(self, sub: str = "alice", **claims: Any) -> str:
        """A token for `sub` signed with this key, with the provider's issuer and audience and
        an expiry a minute away unless `claims` say otherwise (None drops a claim)."""
        return jwt.encode(
            _claims(sub, claims), self._private, self.algorithm, headers={"kid": self.kid}
        )

    def hs256_confusion(self, sub: str = "alice") -> str:
        """An HS256 token naming this key, "signed" with the public key as the HMAC secret:
        the classic algorithm confusion. (PyJWT refuses to make one, so it is made by hand.)"""
        return _hand_made({"alg": "HS256", "kid": self.kid}, _claims(sub, {}), self.public_pem)

    def unsigned(self, sub: str = "alice") -> str:
        """An alg=none token naming this key."""
        return _hand_made({"alg": "none", "kid": self.kid}, _claims(sub, {}), None)


def jwks(*keys: SigningKey) -> bytes:
    """The JSON Web Key Set publishing `keys`."""
    return json.dumps({"keys": [key.jwk() for key in keys]}).encode()


def _claims(sub: str, overrides: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if hmac_key is None:
        return signing_input + "."
    signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"
