"""A minimal browser for the drills: cookies, redirects, and forms submitted as a browser would.

The drills' buyers go through the real pages (sign in, book, name the
attendees, pay on the provider's hosted page, come back), so a failover is
measured where a buyer feels it. Standard library only: the drill runs
from the operator's command, not only from the tests.
"""
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class Page:
    def __init__(self, status, url, text):
        self.status, self.url, self.text = status, url, text

    @property
    def ok(self):
        return 200 <= self.status < 400

    def forms(self):
        parser = _FormParser()
        parser.feed(self.text)
        return parser.forms

    def form(self, form_id=None):
        forms = self.forms()
        for form in forms:
            if form_id is None or form.attrs.get("id") == form_id:
                return form
        if form_id is not None:  # deform's forms carry __formid__ rather than an id attribute
            for form in forms:
                if ("__formid__", form_id) in [(f["name"], f["value"]) for f in form.fields]:
                    return form
        raise LookupError(f"no form {form_id or ''} on {self.url} (HTTP {self.status})")


class Form:
    def __init__(self, attrs):
        self.attrs = attrs
        self.fields = []  # dicts: tag, type, name, value, checked

    def pairs(self, values=None, button=None):
        """What the browser sends: ``values`` replaces fields by name (a list: one per occurrence)."""
        values = dict(values or {})
        seen, pairs, radios = {}, [], set()
        for field in self.fields:
            name, kind = field["name"], field["type"]
            if not name:
                continue
            if kind in ("submit", "button", "image"):
                if button is not None and name == button[0] and (button[1] is None or field["value"] == button[1]):
                    pairs.append((name, field["value"] if button[1] is None else button[1]))
                    button = ("", "")  # once
                continue
            if kind == "radio":
                if name in radios:
                    continue
                if name in values:
                    radios.add(name)
                    pairs.append((name, str(values[name])))
                elif field["checked"]:
                    radios.add(name)
                    pairs.append((name, field["value"]))
                continue
            if kind == "checkbox" and not field["checked"] and name not in values:
                continue
            value = field["value"]
            if name in values:
                given = values[name]
                if isinstance(given, list):
                    index = seen.get(name, 0)
                    seen[name] = index + 1
                    if index < len(given):
                        value = given[index]
                else:
                    value = given
            pairs.append((name, str(value)))
        return pairs


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            self.form.fields.append({"tag": tag, "type": attrs.get("type", "text").lower(),
                                     "name": attrs.get("name"), "value": attrs.get("value", ""),
                                     "checked": "checked" in attrs})
        elif tag == "button":
            self.form.fields.append({"tag": tag, "type": attrs.get("type", "submit").lower(),
                                     "name": attrs.get("name"), "value": attrs.get("value", ""), "checked": False})
        elif tag == "select":
            self.select = {"tag": tag, "type": "select", "name": attrs.get("name"), "value": None, "checked": False}
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            if self.select["value"] is None or "selected" in attrs:
                self.select["value"] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = {"tag": tag, "type": "textarea", "name": attrs.get("name"), "value": "", "checked": False}
            self.form.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            if self.select is not None and self.select["value"] is None:
                self.select["value"] = ""
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data


class Browser:
    """One person's browser: a cookie jar, following redirects, English pages."""

    def __init__(self, base_url, timeout=30, language="en"):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.language = language
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.cookies))

    def url(self, path):
        return path if path.startswith("http") else self.base_url + path

    def open(self, url, data=None):
        request = urllib.request.Request(self.url(url), data=data, headers={
            "Accept-Language": self.language, "Accept": "text/html"})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Page(response.status, response.geturl(), response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            return Page(exc.code, exc.geturl() or self.url(url), body)

    def get(self, path):
        return self.open(path)

    def submit(self, page, form, values=None, button=("submit", None)):
        action = urllib.parse.urljoin(page.url, form.attrs.get("action") or page.url)
        body = urllib.parse.urlencode(form.pairs(values, button)).encode()
        return self.open(action, data=body)
