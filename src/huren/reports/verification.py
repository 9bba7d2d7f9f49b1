"""The public verification URL of a decision, for the certificate's QR code.

``huren.recognition.verification`` (the recognition engineer's module) builds it; until that
module is installed this returns None and the certificate says the QR code is not available.
"""

from __future__ import annotations

import base64
import io


def verification_url_for(decision) -> str | None:
    """The absolute verification URL of ``decision``, or None when verification is not installed."""
    try:
        from huren.recognition import verification
    except ImportError:
        return None
    fn = getattr(verification, "verification_url", None) or getattr(verification, "verification_url_for", None)
    if fn is None:
        return None
    return fn(decision)


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (segno, error correction M)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
