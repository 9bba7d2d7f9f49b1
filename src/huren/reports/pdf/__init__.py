"""HTML → PDF with WeasyPrint and the Noto CJK fonts (pure Python: no Django).

Fonts come from the system's fontconfig (Debian's ``fonts-noto-cjk``, installed by
``scripts/bootstrap.sh``); WeasyPrint embeds the subset of each font that a document uses,
so the PDF shows the same Chinese on any machine. Nothing is fetched from the network: the
URL fetcher only reads ``data:`` and local ``file:`` URLs.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK SC"


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine (library or font missing); bilingual message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.reason_zh, self.reason_en = zh, en


@lru_cache(maxsize=1)
def cjk_font_present() -> bool:
    """Whether fontconfig knows a Noto CJK font (``fc-list``; True when fc-list is absent
    and WeasyPrint will find what it finds)."""
    if shutil.which("fc-list") is None:
        return True
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20).stdout
    return "Noto Sans CJK" in out or "Noto Serif CJK" in out


def stylesheet() -> str:
    return resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")


def render_pdf(html: str, *, base_url: str | Path | None = None) -> bytes:
    """The PDF of ``html`` (which may link ``file:`` images under ``base_url``)."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: pango/cairo libraries missing
        raise PdfUnavailable(f"无法生成 PDF：WeasyPrint 不可用（{e}）",
                             f"cannot make the PDF: WeasyPrint is not available ({e})") from e
    if not cjk_font_present():
        raise PdfUnavailable("无法生成 PDF：未安装中文字体 Noto CJK（apt-get install fonts-noto-cjk）",
                             "cannot make the PDF: the Noto CJK fonts are not installed (apt-get install fonts-noto-cjk)")
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file", "data"})  # never the network
    doc = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None, url_fetcher=fetcher)
    return doc.write_pdf(stylesheets=[weasyprint.CSS(string=stylesheet())])
