"""API answers to a malformed request body are bilingual like every other API message."""

from __future__ import annotations

from tests.support import client_for


def test_malformed_json_body_gets_a_bilingual_message_keeping_the_parsers_reason(world):
    api = client_for(world.a.tech)
    r = api.generic("POST", "/api/measurements/", "not json", content_type="application/json")
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "请求内容无法解析" in detail and "malformed request body" in detail and "JSON parse error" in detail


def test_unsupported_content_type_gets_a_bilingual_message(world):
    api = client_for(world.a.tech)
    r = api.generic("POST", "/api/measurements/", "<x/>", content_type="application/xml")
    assert r.status_code == 415
    detail = r.json()["detail"]
    assert "不支持的内容类型" in detail and "application/xml" in detail
