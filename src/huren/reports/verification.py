"""The public verification URL of a decision, for the certificate's QR code.

The URL is the recognition app's (:mod:`huren.recognition.verification`, the public ``/v/<code>``
page that anyone may open without logging in).
"""

from __future__ import annotations

import base64
import io


def verification_url_for(decision) -> str | None:
    """The absolute verification URL of ``decision`` (``HUREN_PUBLIC_URL`` + ``/v/<code>``)."""
    from huren.recognition.verification import verification_url

    return verification_url(decision)


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (segno, error correction M)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
