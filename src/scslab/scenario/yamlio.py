"""Reading YAML: the one function every part of scslab that reads YAML goes through.

YAML aliases (``*name``) refer to an anchored value (``&name``) instead of
copying it, so a few lines can stand for an exponentially large document (the
"billion laughs"). `parse_yaml` composes the document (which keeps aliases as
shared nodes, so it is cheap), counts the values it holds with every alias
expanded, and refuses a document that expands beyond `MAX_EXPANDED` values or
refers to itself, before anything builds the expanded data.
"""

from __future__ import annotations

from typing import Any

import yaml

from scslab.errors import ScenarioError

#: Most values (scalars, lists and mappings, counted with every alias expanded)
#: that aliases may add to a document beyond the values written in it.
MAX_ALIAS_EXPANSION = 100_000
#: Deepest nesting of lists and mappings (with aliases expanded) that is read.
MAX_DEPTH = 100


class YamlSyntaxError(ScenarioError):
    """Text that is not YAML at all (as opposed to YAML that scslab refuses)."""


def _expanded_size(root: yaml.Node, origin: str) -> tuple[int, int, int]:
    """(values as written, values and depth with every alias expanded), refusing a cycle."""
    memo: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    written: set[int] = set()
    # iterative post-order walk: documents may nest deeper than Python's recursion limit
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total, deepest = 1, 0
            for child in _children(node):
                total += memo[id(child)]
                deepest = max(deepest, depth[id(child)])
            memo[key], depth[key] = total, deepest + 1
            continue
        if key in memo:
            continue
        if key in on_path:
            raise ScenarioError(
                f"{origin}: an alias (*name) refers to a value that contains it; "
                "scslab reads no self-referring YAML"
            )
        on_path.add(key)
        written.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ScenarioError(
                    f"{origin}: an alias (*name) refers to a value that contains it; "
                    "scslab reads no self-referring YAML"
                )
            if id(child) not in memo:
                stack.append((child, False))
    return len(written), memo[id(root)], depth[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def compose_yaml(text: str, origin: str) -> yaml.Node | None:
    """The node tree of a one-document YAML text, checked for alias expansion.

    Raises
    ------
    YamlSyntaxError
        For text that is not valid YAML (with the line, where known).
    ScenarioError
        For aliases that expand beyond `MAX_ALIAS_EXPANSION` values or refer to
        themselves, and for nesting deeper than `MAX_DEPTH` levels.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlSyntaxError(f"{where} is not valid YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError(
            f"{origin}: its lists or mappings nest too deeply for scslab to read"
        ) from None
    if root is None:
        return None
    written, expanded, deepest = _expanded_size(root, origin)
    if deepest > MAX_DEPTH:
        raise ScenarioError(
            f"{origin}: its lists or mappings nest {deepest} levels deep; scslab reads at "
            f"most {MAX_DEPTH}"
        )
    if expanded - written > MAX_ALIAS_EXPANSION:
        raise ScenarioError(
            f"{origin}: its aliases (*name) expand to {expanded:,} values, more than the "
            f"{MAX_ALIAS_EXPANSION:,} scslab accepts beyond the {written:,} written out "
            "(a 'billion laughs' document?); write the values out or use fewer aliases"
        )
    return root


def parse_yaml(text: str, origin: str) -> Any:
    """Parse one YAML document safely (no Python objects, bounded aliases).

    Parameters
    ----------
    text : str
        The YAML text.
    origin : str
        What the text is, for messages: a file name, ``preset NAME``, ``--set ...``.

    Returns
    -------
    Any
        The data (None for an empty document).

    Raises
    ------
    YamlSyntaxError, ScenarioError
        As `compose_yaml`.
    """
    return construct_yaml(compose_yaml(text, origin), origin)


def construct_yaml(root: yaml.Node | None, origin: str) -> Any:
    """The data of a node tree from `compose_yaml` (None for an empty document)."""
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlSyntaxError(f"{where} is not valid YAML: {problem}") from None
    except ValueError as exc:  # YAML reads 2013-13-01 as a date, which does not exist
        raise YamlSyntaxError(f"{origin} holds an impossible date: {exc}") from None
    finally:
        loader.dispose()


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line text as literal blocks (``|``), as a person writes it."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any, *, width: int = 88) -> str:
    """`data` as YAML that `parse_yaml` reads back equal, keys in their order.

    Text with line breaks is written as a literal block, line for line (PyYAML
    falls back to a quoted string, which reads back the same, where a line
    ends in spaces).
    """
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=width))
