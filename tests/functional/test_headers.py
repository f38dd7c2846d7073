"""Security headers on every response (nosniff, referrer policy, no framing)."""


def test_html_pages_forbid_framing_and_sniffing(testapp):
    for response in (testapp.get("/"), testapp.get("/account/@@login"), testapp.get("/nowhere", status=404)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_api_and_static_answers_are_not_sniffed(testapp):
    api = testapp.post_json("/api/gate/scans", {"code": "x"}, status=401)
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    static = testapp.get("/static/img/logo.svg")
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert static.headers["Referrer-Policy"] == "same-origin"
