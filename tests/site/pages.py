"""Reading a rendered page the way a checker would: links, assets, headings, landmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

LANDMARK_TAGS = {"header", "main", "footer", "nav"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class Link:
    href: str
    text: str = ""
    attrs: dict[str, str | None] = field(default_factory=dict)


class Page(HTMLParser):
    """Collects what the page tests look at. Feed it the HTML, then read the fields."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self.metas: list[dict[str, str | None]] = []
        self.headings: list[tuple[int, str]] = []
        self.landmarks: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[Link] = []
        self.assets: list[str] = []  # stylesheets, scripts, images, icons
        self.urls: list[str] = []  # every href/src/action, links and assets alike
        self.images_without_alt = 0
        self._open_link: Link | None = None
        self._open_heading: list | None = None
        self._in_title = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src", "action", "poster"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            self.metas.append(attributes)
        elif tag in LANDMARK_TAGS:
            self.landmarks.append((tag, attributes))
        elif tag in HEADINGS:
            self._open_heading = [int(tag[1]), ""]
        elif tag == "a" and attributes.get("href"):
            self._open_link = Link(attributes["href"], attrs=attributes)
        elif tag == "link" and attributes.get("href"):
            self.assets.append(attributes["href"])
        elif tag in ("script", "img", "source", "iframe") and attributes.get("src"):
            self.assets.append(attributes["src"])
        if tag == "img" and attributes.get("alt") is None:
            self.images_without_alt += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in HEADINGS and self._open_heading is not None:
            self.headings.append((self._open_heading[0], self._open_heading[1].strip()))
            self._open_heading = None
        elif tag == "a" and self._open_link is not None:
            self._open_link.text = self._open_link.text.strip()
            self.links.append(self._open_link)
            self._open_link = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._open_heading is not None:
            self._open_heading[1] += data
        if self._open_link is not None:
            self._open_link.text += data

    def meta(self, name: str) -> str | None:
        for attributes in self.metas:
            if attributes.get("name") == name:
                return attributes.get("content")
        return None
