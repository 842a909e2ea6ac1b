"""Templates: compiled once when saved, rendered by substitution only.

    compiled = compile_template(subject=..., body_source=..., body_format="markdown")  # TemplateError
    email = render_email(compiled, context, layout=EmailLayout(...))  # RenderedEmail(subject, html, text)

Compiling turns the source (Markdown or rich-text HTML) into sanitised HTML (nh3: a fixed list of
tags, attributes and CSS properties), checks every hashtag, derives the plain-text version, puts
the body in the e-mail layout, inlines the CSS (css-inline) and splits the result into literal
text and hashtag slots. Rendering fills the slots. A template can therefore never run code:
`{{ ''.__class__ }}` or `{% import os %}` are just characters that are printed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

import css_inline
import nh3
from markdown_it import MarkdownIt

from relance.core.errors import RelanceError
from relance.messaging.context import MessageContext
from relance.messaging.hashtags import HASHTAG_RE, HASHTAGS, NEEDS

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li", "h1", "h2", "h3", "h4",
    "blockquote", "hr", "span", "div", "code", "pre", "small", "sub", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"style"},
    "p": {"style"},
    "div": {"style"},
    "h1": {"style"},
    "h2": {"style"},
    "h3": {"style"},
    "h4": {"style"},
    "li": {"style"},
}
ALLOWED_STYLES = {"color", "background-color", "font-weight", "font-style", "text-decoration", "text-align"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": True, "breaks": False})
# A tag (skipped: its attributes may hold colours like #c00) or a hashtag in text.
_SCAN_RE = re.compile(r"(<[^>]*>)|" + HASHTAG_RE.pattern)
_HREF_TAG_RE = re.compile(r'href="#([a-z][a-z0-9_]*)"')
_BLOCK_PARAGRAPH_RE = re.compile(r"<p>\s*#([a-z][a-z0-9_]*)\s*</p>")


class TemplateError(RelanceError):
    code = "messaging.template.invalid"


class RenderError(RelanceError):
    code = "messaging.render.failed"


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    mode: str  # html, attr (inside an href), text


Parts = tuple[str | Slot, ...]


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    subject: Parts
    html: Parts  # the body alone (the layout is added by `compile_email`)
    text: Parts
    hashtags: frozenset[str]
    needs: frozenset[str]
    body_html: str  # sanitised, hashtags still in it: what is stored


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


# --- compiling ------------------------------------------------------------------------------


def sanitise(body_html: str) -> str:
    return nh3.clean(
        body_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def source_to_html(source: str, body_format: str) -> str:
    raw = _markdown.render(source) if body_format == "markdown" else source
    return sanitise(raw)


def check_hashtags(text: str, *, where: str, blocks_allowed: bool = True) -> set[str]:
    """Every hashtag of a source text, or a TemplateError naming the first unknown one and its line."""
    found: set[str] = set()
    for match in _SCAN_RE.finditer(text):
        names = _HREF_TAG_RE.findall(match.group(1)) if match.group(1) is not None else [match.group(2)]
        for name in names:
            line = text.count("\n", 0, match.start()) + 1
            tag = HASHTAGS.get(name)
            if tag is None:
                raise TemplateError(f"{where}, line {line}: unknown hashtag #{name}")
            if tag.kind == "block" and not blocks_allowed:
                raise TemplateError(f"{where}, line {line}: #{name} is a block and cannot be used here")
            found.add(name)
    return found


def _split(text: str, *, mode: str) -> Parts:
    """Literal text and slots. In HTML, hashtags inside tags count only as a whole href="#name"."""
    parts: list[str | Slot] = []
    position = 0
    for match in _SCAN_RE.finditer(text):
        if match.group(1) is not None:
            if mode == "text":
                continue
            tag = match.group(1)
            href = _HREF_TAG_RE.search(tag)
            if href is None or href.group(1) not in HASHTAGS:
                continue
            start = match.start() + href.start(1) - 1  # the '#'
            parts.append(text[position:start])
            parts.append(Slot(href.group(1), "attr"))
            position = match.start() + href.end(1)
            continue
        name = match.group(2)
        if name not in HASHTAGS:
            continue
        parts.append(text[position : match.start()])
        parts.append(Slot(name, mode))
        position = match.end()
    parts.append(text[position:])
    return tuple(p for p in parts if p != "")


def _blocks_alone(body_html: str) -> str:
    """A block hashtag alone in its paragraph replaces the paragraph; elsewhere it is an error."""

    def unwrap(match: re.Match[str]) -> str:
        name = match.group(1)
        tag = HASHTAGS.get(name)
        return f"#{name}" if tag is not None and tag.kind == "block" else match.group(0)

    return _BLOCK_PARAGRAPH_RE.sub(unwrap, body_html)


class _TextMaker(HTMLParser):
    """Sanitised HTML -> readable plain text (paragraphs, lists, links as 'text (url)')."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "blockquote", "pre", "ul", "ol", "table", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str] = []
        self.link_text: list[str] = []
        self.lists: list[list[int]] = []

    def _newlines(self, count: int) -> None:
        text = "".join(self.out)
        stripped = text.rstrip(" ")
        have = len(stripped) - len(stripped.rstrip("\n"))
        if stripped and have < count:
            self.out.append("\n" * (count - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._newlines(2 if tag not in ("tr",) and not self.lists else 1)
        if tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            self._newlines(1)
            counter = self.lists[-1] if self.lists else [-1]
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"{'   ' * (len(self.lists) - 1)}{counter[0]}. ")
            else:
                self.out.append(f"{'   ' * (len(self.lists) - 1)}- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._newlines(2)
            self.out.append("----")
            self._newlines(2)
        elif tag == "a":
            self.href.append(dict(attrs).get("href") or "")
            self.link_text.append("")
        elif tag in ("h1", "h2", "h3", "h4"):
            pass

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._newlines(2)
        elif tag == "a" and self.href:
            href = self.href.pop()
            text = self.link_text.pop().strip()
            if href and href != text:
                self.out.append(f" ({href})" if text else href)
        elif tag in self.BLOCKS:
            self._newlines(2)

    def handle_data(self, data: str) -> None:
        data = re.sub(r"\s+", " ", data)
        if not self.out or self.out[-1].endswith(("\n", "- ", ". ")):
            data = data.lstrip()
        if not data:
            return
        if self.link_text:
            self.link_text[-1] += data
        self.out.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).strip().split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip())


def html_to_text(body_html: str) -> str:
    maker = _TextMaker()
    maker.feed(body_html)
    maker.close()
    return maker.text()


def compile_template(
    *, subject: str, body_source: str, body_format: str = "markdown", where: str = "template"
) -> CompiledTemplate:
    """Check and compile a template; TemplateError names the first problem (unknown hashtag...)."""
    if "\n" in subject or "\r" in subject:
        raise TemplateError(f"{where}: the subject must be one line")
    subject_tags = check_hashtags(subject, where=f"{where} subject", blocks_allowed=False)
    body_tags = check_hashtags(body_source, where=f"{where} body")
    body_html = source_to_html(body_source, body_format)
    # Sanitising may drop markup but never adds hashtags; check what remains (hrefs included).
    check_hashtags(body_html, where=f"{where} body")
    prepared = _blocks_alone(body_html)
    html_parts = _split(prepared, mode="html")
    for index, part in enumerate(html_parts):
        if isinstance(part, Slot) and part.mode == "html" and HASHTAGS[part.name].kind == "block":
            before = html_parts[index - 1] if index else ""
            if isinstance(before, str) and re.search(r"<(p|li|h\d|a|span|strong|em)[^>]*>[^<]*$", before):
                raise TemplateError(f"{where} body: #{part.name} is a block: put it alone on its own line")
    text_parts = _split(html_to_text(body_html), mode="text")
    tags = frozenset(subject_tags | body_tags)
    needs = frozenset(need for name in tags for need in HASHTAGS[name].needs)
    return CompiledTemplate(
        subject=_split(subject, mode="text"),
        html=html_parts,
        text=text_parts,
        hashtags=tags,
        needs=needs,
        body_html=body_html,
    )


# --- the e-mail layout ----------------------------------------------------------------------

_LAYOUT_CSS = """
body { margin:0; padding:0; background:#f3f5f8; }
.wrapper { width:100%; background:#f3f5f8; }
.card { background:#ffffff; border:1px solid #dde3ea; }
.header { padding:20px 32px; border-bottom:3px solid #1f3a5f; font-family:Arial,Helvetica,sans-serif;
  font-size:18px; font-weight:bold; color:#1f3a5f; }
.content { padding:24px 32px; font-family:Arial,Helvetica,sans-serif; font-size:15px; line-height:1.5;
  color:#1c2430; }
.content p { margin:0 0 14px 0; }
.content h1, .content h2, .content h3 { color:#1f3a5f; margin:18px 0 10px 0; }
.content h1 { font-size:22px; } .content h2 { font-size:18px; } .content h3 { font-size:16px; }
.content a { color:#1f5fa8; }
.content ul, .content ol { margin:0 0 14px 0; padding-left:24px; }
.documents { padding:12px 32px; border-top:1px solid #dde3ea; font-family:Arial,Helvetica,sans-serif;
  font-size:13px; color:#1c2430; }
.documents a { color:#1f5fa8; }
.footer { padding:16px 32px; font-family:Arial,Helvetica,sans-serif; font-size:12px; line-height:1.5;
  color:#6b7785; }
@media only screen and (max-width: 660px) { .card { width:100% !important; } .content { padding:16px !important; } }
"""

_inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True, slots=True)
class EmailLayout:
    language: str
    company_name: str
    footer: tuple[str, ...] = field(default_factory=tuple)
    document_links: bool = True  # a line with the statement as PDF and Excel under every body


_DOCUMENTS = {
    "en": "Your statement of account: ",
    "fr": "Votre relevé de compte : ",
}


@dataclass(frozen=True, slots=True)
class CompiledEmail:
    template: CompiledTemplate
    html: Parts  # the whole document, CSS inlined
    text: Parts


def _layout_document(layout: EmailLayout, body: str) -> str:
    escape = html.escape
    footer = "<br>".join(escape(line) for line in layout.footer)
    documents = ""
    if layout.document_links:
        label = escape(_DOCUMENTS.get(layout.language[:2], _DOCUMENTS["en"]))
        documents = (
            f'<tr><td class="documents">{label}<a href="#statement_pdf_link">PDF</a> · '
            '<a href="#statement_excel_link">Excel</a></td></tr>'
        )
    return (
        f'<!DOCTYPE html><html lang="{escape(layout.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="x-apple-disable-message-reformatting">'
        f"<style>{_LAYOUT_CSS}</style></head><body>"
        '<table role="presentation" class="wrapper" width="100%" cellpadding="0" cellspacing="0" border="0">'
        '<tr><td align="center" style="padding:24px 8px">'
        '<table role="presentation" class="card" width="640" cellpadding="0" cellspacing="0" border="0" '
        'style="width:640px;max-width:640px">'
        f'<tr><td class="header">{escape(layout.company_name)}</td></tr>'
        f'<tr><td class="content">{body}</td></tr>'
        f"{documents}"
        f'<tr><td class="footer">{footer}</td></tr>'
        "</table></td></tr></table></body></html>"
    )


# A line break after the end of a block or a table cell (whitespace there changes nothing on screen): the HTML's
# lines stay far below SMTP's 998 characters, so that the e-mail can carry it as it is (mime.py).
_BLOCK_END_RE = re.compile(r"(</(?:p|tr|td|th|table|h[1-6]|li|ul|ol|div|blockquote|head|style)>|<body[^>]*>)(?!\n)")


_PRE_RE = re.compile(r"(<pre[\s>].*?</pre>)", re.IGNORECASE | re.DOTALL)


def _break_lines(document: str) -> str:
    """`_BLOCK_END_RE`'s line breaks everywhere but inside `<pre>`, where a line break shows."""
    parts = _PRE_RE.split(document)  # odd positions: the <pre> blocks, kept as they are
    return "".join(part if i % 2 else _BLOCK_END_RE.sub("\\1\n", part) for i, part in enumerate(parts))


def compile_email(template: CompiledTemplate, layout: EmailLayout) -> CompiledEmail:
    """The template inside the layout, CSS inlined once; rendering then only fills the slots."""
    body = "".join(f"#{p.name}" if isinstance(p, Slot) and p.mode == "html" else _attr_token(p) for p in template.html)
    document = _break_lines(_inliner.inline(_layout_document(layout, body)))
    text: tuple[str | Slot, ...] = template.text
    if layout.document_links:
        label = _DOCUMENTS.get(layout.language[:2], _DOCUMENTS["en"])
        text = (*text, f"\n\n{label}\nPDF: ", Slot("statement_pdf_link", "text"), "\nExcel: ")
        text = (*text, Slot("statement_excel_link", "text"))
    text_footer = "\n".join(layout.footer)
    text = (*text, f"\n\n-- \n{text_footer}\n") if text_footer else (*text, "\n")
    return CompiledEmail(template, _split(document, mode="html"), text)


def _attr_token(part: str | Slot) -> str:
    return f"#{part.name}" if isinstance(part, Slot) else part


@lru_cache(maxsize=512)
def _cached_compile_email(
    subject: str, body_source: str, body_format: str, layout: EmailLayout
) -> CompiledEmail:  # fmt: skip
    template = compile_template(subject=subject, body_source=body_source, body_format=body_format)
    return compile_email(template, layout)


def compiled_email_for(
    *, subject: str, body_source: str, body_format: str, layout: EmailLayout
) -> CompiledEmail:  # fmt: skip
    """Compile (cached by content) a stored template inside a layout."""
    return _cached_compile_email(subject, body_source, body_format, layout)


# --- rendering ------------------------------------------------------------------------------


def missing_needs(template: CompiledTemplate, context: MessageContext) -> list[str]:
    return sorted(need for need in template.needs if need not in context.provides)


def _check(template: CompiledTemplate, context: MessageContext, where: str) -> None:
    missing = missing_needs(template, context)
    if missing:
        names = sorted(n for n in template.hashtags if HASHTAGS[n].needs & set(missing))
        what = ", ".join(NEEDS[m] for m in missing)
        raise RenderError(f"{where} uses {', '.join('#' + n for n in names)}, which need {what}; this message has none")


def _fill(parts: Parts, context: MessageContext, cache: dict[tuple[str, str], str]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        key = (part.name, part.mode)
        value = cache.get(key)
        if value is None:
            tag = HASHTAGS[part.name]
            if part.mode == "text":
                value = tag.text(context)
            elif part.mode == "attr":
                value = html.escape(tag.text(context), quote=True)
            elif tag.kind == "url":
                url = html.escape(tag.text(context), quote=True)
                value = f'<a href="{url}" style="color:#1f5fa8">{url}</a>' if url else ""
            else:
                value = tag.render_html(context)
            cache[key] = value
        out.append(value)
    return "".join(out)


def render_email(compiled: CompiledEmail, context: MessageContext, *, where: str = "template") -> RenderedEmail:
    _check(compiled.template, context, where)
    cache: dict[tuple[str, str], str] = {}
    subject = " ".join(_fill(compiled.template.subject, context, cache).split())
    return RenderedEmail(
        subject=subject,
        html=_fill(compiled.html, context, cache),
        text=_fill(compiled.text, context, cache),
    )


def render_body(template: CompiledTemplate, context: MessageContext, *, where: str = "template") -> RenderedEmail:
    """The body alone (no layout): letters, call scripts, previews inside a page."""
    _check(template, context, where)
    cache: dict[tuple[str, str], str] = {}
    return RenderedEmail(
        subject=" ".join(_fill(template.subject, context, cache).split()),
        html=_fill(template.html, context, cache),
        text=_fill(template.text, context, cache),
    )
