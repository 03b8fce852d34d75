"""Front matter as Jekyll reads it: where it starts and ends, YAML read as written, and
errors that name the line and say what to do. Read through python-frontmatter's
handler interface (`JekyllFrontMatter`)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .errors import ContentError

__all__ = ["FRONT_MATTER", "JekyllFrontMatter", "missing", "parse", "split"]


class _FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader that keeps booleans, numbers and timestamps as written.

    YAML 1.1 turns `title: no` into False, `0123` into 83 and rejects `2019-02-30` with a
    bare ValueError; Jekyll shows such values as text, so only null and merge keys are
    recognised and we interpret the few fields that need it (published, date) ourselves.
    Fewer implicit resolvers also make composing faster.
    """

    yaml_implicit_resolvers: dict[str, list[Any]] = {}


class _ExplainingLoader(yaml.SafeLoader):
    """The same rules in pure Python: only run on an error, for PyYAML's clearer messages
    ("found character '@' that cannot start any token" where libyaml omits the '@')."""

    yaml_implicit_resolvers: dict[str, list[Any]] = {}


def _as_written(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


for _loader in (_FrontMatterLoader, _ExplainingLoader):
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    _loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
    for _tag in ("bool", "int", "float", "timestamp"):  # explicit tags such as `!!int 12`
        _loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_written)

_CORE = "tag:yaml.org,2002:"


class _Unusual(Exception):
    """A node the fast path leaves to PyYAML's own constructor."""


def _plain(node: yaml.Node, memo: dict[int, Any], depth: int = 0) -> Any:
    """Python data of a composed node, scalars as written; aliases share one object."""
    tag = node.tag
    if not tag.startswith(_CORE) or depth > 30:
        raise _Unusual
    if isinstance(node, yaml.ScalarNode):
        return None if tag == _CORE + "null" else node.value
    if id(node) in memo:  # an alias: constructing it again could grow exponentially
        return memo[id(node)]
    if tag == _CORE + "seq":
        value: Any = [_plain(item, memo, depth + 1) for item in node.value]
    elif tag == _CORE + "map":
        value = {}
        for key, item in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == _CORE + "merge":
                raise _Unusual
            value[_plain(key, memo, depth + 1)] = _plain(item, memo, depth + 1)
    else:
        raise _Unusual
    memo[id(node)] = value
    return value


def _load_yaml(text: str) -> Any:
    # PyYAML's composer is C (libyaml); its Python constructor took a quarter of the
    # build, so plain mappings, lists and scalars are built here and the rest (merge
    # keys, !!set, other tags) is left to the safe constructor.
    loader = _FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _plain(node, {})
        except _Unusual:
            return loader.construct_document(node)
    finally:
        loader.dispose()


_YAML_HINTS = (
    ("mapping values are not allowed", "quote the value if it contains ': '"),
    ("'@' that cannot start", "quote a value that starts with '@'"),
    ("'`' that cannot start", "quote a value that starts with '`'"),
    ("'\\t' that cannot start", "indent with spaces, not tabs"),
    ("unknown escape character", "inside double quotes write ' without a backslash, or use single quotes"),
    ("but found '<scalar>'", "quote the whole value if it starts with a quote, '[' or '{'"),
    ("expected <block end>", "check the indentation: the items of one list or mapping must line up"),
    ("could not find expected ':'", "write 'key: value' with a space after ':', or quote the value"),
    ("found undefined alias", "quote a value that starts with '*'"),
    ("found duplicate anchor", "quote a value that starts with '&'"),
)


def parse(source: str, yaml_text: str, last_line: int) -> dict[str, Any]:
    """The front matter as a dict of plain values; ContentError naming the line and the fix."""
    try:
        try:
            data = FRONT_MATTER.load(yaml_text)
        except yaml.MarkedYAMLError:
            yaml.load(yaml_text, Loader=_ExplainingLoader)  # noqa: S506 - raises the clearer error
            raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = next((h for key, h in _YAML_HINTS if key in problem), "check the quoting and indentation")
        # the YAML block starts on line 2 of the file, after the opening '---'
        line = min(mark.line + 2, last_line) if mark else 2
        raise ContentError(source, f"YAML error: {problem} ({hint})", line) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise ContentError(source, f"YAML error: {exc} (check the front matter)", 2) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContentError(source, f"front matter is not a mapping (found {type(data).__name__}): "
                                   "write one 'key: value' per line", 2)
    return {str(k): v for k, v in data.items()}


_FM_OPEN = re.compile(r"---[ \t]*(?:\n|\Z)")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


class JekyllFrontMatter(YAMLHandler):
    """python-frontmatter's YAML handler with Jekyll's rules and YAML read as Jekyll shows it.

    The default `YAMLHandler` differs from Jekyll where real sites notice: it opens and
    closes on `-{3,}\\s*` (eating the blank lines that follow, so YAML error lines drift;
    no `...` close) and its SafeLoader applies YAML 1.1. On ../shared/corpus it turned 687
    values into booleans and 25 into integers (`new-fast: true`, `promotion: 12`; `title: no`
    would be False), raised a bare
    ValueError on 8 pages (a date in a list of events: "month must be in 1..12") and found
    no front matter in 16 (CR-only line ends, which content.py turns into "\\n"). Here:
    the first line is exactly `---`, the next `---` or `...` line closes, and only null and
    merge keys are recognised; `published` and `date` are interpreted by this module.
    Usable wherever python-frontmatter takes a handler:
    `frontmatter.load(path, handler=JekyllFrontMatter())`.
    """

    FM_BOUNDARY = _FM_OPEN

    def split(self, text: str) -> tuple[str, str]:
        """(YAML text, body) of `text` with "\\n" newlines; ValueError when it is not closed."""
        opening = _FM_OPEN.match(text)
        closing = _FM_CLOSE.search(text, opening.end()) if opening else None
        if not closing:
            raise ValueError("front matter is not closed")
        return text[opening.end():closing.start()], text[closing.end() + 1:]

    def load(self, fm: str, **kwargs: object) -> Any:
        return _load_yaml(fm)


FRONT_MATTER = JekyllFrontMatter()


def split(source: str, text: str) -> tuple[str, str, int] | None:
    """(YAML text, body, line of the closing '---'), or None when there is no front matter."""
    if not FRONT_MATTER.detect(text):
        return None
    try:
        yaml_text, body = FRONT_MATTER.split(text)
    except ValueError:
        raise ContentError(source, "front matter is not closed: add a line '---' after the front matter", 1) from None
    return yaml_text, body, yaml_text.count("\n") + 2


def missing(source: str, text: str) -> ContentError:
    """The error for a markdown page without front matter, saying what to do."""
    lines = text.split("\n", 6)[:6]
    late = next((i for i, line in enumerate(lines) if line.strip() == "---"), None)
    if late:
        return ContentError(source, f"front matter must start on the first line, found '---' on line {late + 1}: "
                                    "remove what comes before it", 1)
    return ContentError(source, "missing front matter: start the file with a line '---', the YAML, "
                                "and a closing '---'", 1)


def texts(value: Any, budget: int = 1000) -> list[str]:
    """Non-empty scalar texts in a front-matter value, nested lists flattened, in order.

    Visits at most `budget` items: YAML aliases can make a small file a huge (or
    self-containing) structure.
    """
    out: list[str] = []
    stack = [value]
    while stack and budget > 0:
        item = stack.pop()
        budget -= 1
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item[:budget]))
        elif item is not None and not isinstance(item, (dict, set, bytes)):
            text = str(item).strip()
            if text:
                out.append(text)
    return out
