"""Short-lived signed URLs: a route that takes no key trusts a URL this server handed out.

The W&B client PUTs files to the upload URLs ``CreateRunFiles`` returns and sends no
``Authorization`` with them (it takes them for pre-signed cloud-storage URLs), so each URL
carries who may upload what, until when, and an HMAC-SHA256 of that under a secret stored in
the database: every replica signs and checks with the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from urllib.parse import quote

from heron.errors import AuthError
from heron.store import SqlStore

SECRET_NAME = "upload-urls"
UPLOAD_SECONDS = 3600.0
"""How long an upload URL works: the client asks for them shortly before it uploads."""


class Signer:
    """Signs and checks ``fields`` (strings without NUL) with the store's shared secret."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def _key(self) -> bytes:
        with self._lock:
            if self._secret is None:
                with self.store.access_session(write=True) as access:
                    self._secret = access.server_secret(SECRET_NAME)
            return self._secret

    def _mac(self, fields: tuple[str, ...], expires: int) -> str:
        message = "\0".join((*fields, str(expires))).encode()
        return hmac.new(self._key(), message, hashlib.sha256).hexdigest()

    def sign(self, fields: tuple[str, ...], seconds: float = UPLOAD_SECONDS) -> str:
        """A query string (``exp=...&sig=...``) that ``check`` accepts until it expires."""
        expires = int(time.time() + seconds)
        return f"exp={expires}&sig={quote(self._mac(fields, expires))}"

    def check(self, fields: tuple[str, ...], expires: str, signature: str,
              kind: str = "upload") -> None:
        """``AuthError`` unless ``signature`` signs ``fields`` and has not expired; the message
        names the ``kind`` of URL."""
        if not expires.isdigit() or int(expires) < time.time():
            raise AuthError(f"the {kind} URL has expired; the client asks for a new one")
        if not hmac.compare_digest(self._mac(fields, int(expires)), signature):
            raise AuthError(f"the {kind} URL's signature does not match it")
