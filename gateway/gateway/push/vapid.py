"""The gateway's VAPID key (RFC 8292): the P-256 key pushes are signed with, read from the
settings in PEM or base64url form (a raw 32-byte private scalar or DER), and its public key in
the form the browser's `PushManager.subscribe({applicationServerKey})` takes."""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid, VapidException

# How long a signed token is good for (RFC 8292 allows at most 24 h).
TOKEN_SECONDS = 12 * 3600


class InvalidVapidKey(ValueError):
    """The configured key is not a P-256 private key in PEM or base64url form (never echoed)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A PEM private key (PKCS#8 or SEC 1), or base64url of a raw 32-byte scalar or of DER."""
    text = value.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode("".join(text.split()))
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidVapidKey("the VAPID private key is neither PEM nor base64url") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidVapidKey("the VAPID private key must be a P-256 (prime256v1) key")
    return key


def new_private_key_pem() -> str:
    """A fresh key pair's private key as PKCS#8 PEM (what `make run` keeps under .data/)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class VapidKey:
    def __init__(self, private_key: str, subject: str) -> None:
        self._key = load_private_key(private_key)
        self._vapid = Vapid(self._key)
        self.subject = subject
        try:  # the subject is checked once here, not at each push
            self.authorization("https://push.example.com")
        except VapidException:
            raise InvalidVapidKey("the VAPID subject must be a mailto: address or an https: URL") from None
        self.public_key = b64url(
            self._key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def authorization(self, endpoint: str) -> str:
        """The `Authorization: vapid t=<ES256 JWT>,k=<public key>` header for a push to the
        endpoint: `aud` is its origin, `exp` 12 hours on, `sub` the operator's contact."""
        parts = urlsplit(endpoint)
        claims: dict[str, str | int] = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + TOKEN_SECONDS,
            "sub": self.subject,
        }
        header: str = self._vapid.sign(claims)["Authorization"]
        return header
