"""The shape of the tree: layers, module sizes, where the database is reached.

Built from the source (``ast``), not from what happens to be imported, so a
new arrow between packages fails here the day it is written. The layers,
lowest first, are documented in docs/architecture.md; an arrow may only go
down. In-function imports of olympix modules are refused too: they are how
cycles used to hide.
"""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "olympix"

#: Lowest first. A module may import from its own layer's package and from
#: the layers below it, never above.
LAYERS = (
    "i18n",        # languages, catalogues, the Paris time zone
    "interfaces",  # the contracts of the outside world (clock, mail, SMS, payment, barcodes)
    "events",      # plain event classes that several layers fire or subscribe to
    "models",      # tables; no ACL, no request
    "security",    # keys, codes, passwords, permissions, roles, the security policy
    "settings",    # parsing of every olympix.* setting
    "formatting",  # money, dates, names of states: one place
    "services",    # business rules and the outside world, taking the request
    "resources",   # the traversal tree and its ACLs
    "schemas",     # colander schemas of the forms
    "views",       # orchestration and templates' values
    "gate",        # the gate: scan service, device API, agents' and admins' pages
    "backup",      # snapshots, restore and point-in-time recovery (operations)
    "seed",        # demo data
    "cluster",     # the production topology in miniature and its drill (operations)
    "scripts",     # the olympix command
)
RANK = {name: rank for rank, name in enumerate(LAYERS)}

#: Heavy optional libraries that may be imported inside a function (they
#: cost time or memory at start-up and only some requests need them).
LAZY_IMPORTS_ALLOWED = {"weasyprint", "zxcvbn"}

MAX_LINES = 400


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(PACKAGE.parent).with_suffix("").parts


def unit_of(parts):
    """The layer a module belongs to: its first name under ``olympix``."""
    return parts[1] if len(parts) > 1 and parts[1] != "__init__" else None


def resolve(parts, node):
    """Absolute dotted name of an ``ImportFrom`` target inside olympix, or None."""
    if node.level:
        package = list(parts[:-1]) if parts[-1] != "__init__" else list(parts[:-1])
        base = package[: len(package) - node.level + 1]
        name = ".".join(base + ([node.module] if node.module else []))
    else:
        name = node.module or ""
    return name if name == "olympix" or name.startswith("olympix.") else None


def imports_of(tree, parts):
    """[(dotted name, lineno, top_level)] of the olympix modules imported."""
    found = []
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            name = resolve(parts, node)
            if name is None:
                continue
            names = [name] if name != "olympix" else [f"olympix.{a.name}" for a in node.names]
            found += [(n, node.lineno, id(node) in top_level) for n in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top_level) for a in node.names
                      if a.name.startswith("olympix.")]
    return found


def is_type_checking_block(tree):
    blocks = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            blocks.update(id(child) for child in ast.walk(node))
    return blocks


def edges():
    """{(from unit, to unit): [where]} for every arrow between units."""
    out = {}
    for path, parts in modules():
        tree = ast.parse(path.read_text())
        source = unit_of(parts)
        for name, lineno, _top in imports_of(tree, parts):
            target = name.split(".")[1] if "." in name else None
            if source and target and target != source and target != "__init__":
                out.setdefault((source, target), []).append(f"{'/'.join(parts)}.py:{lineno}")
    return out


def test_every_unit_has_a_layer():
    units = {unit_of(parts) for _path, parts in modules()} - {None}
    assert units <= set(RANK), f"add to LAYERS (and docs/architecture.md): {sorted(units - set(RANK))}"


def test_imports_only_go_down_the_layers():
    upward = [f"{src} -> {dst} ({', '.join(where[:3])})" for (src, dst), where in sorted(edges().items())
              if src in RANK and dst in RANK and RANK[dst] > RANK[src]]
    assert not upward, "imports going up the layers:\n" + "\n".join(upward)


def test_no_cycle_between_units():
    graph = {}
    for src, dst in edges():
        graph.setdefault(src, set()).add(dst)
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()

    for node in sorted(graph):
        visit(node)
    assert not cycles, "cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_inside_functions():
    """In-function imports only for heavy optional libraries."""
    offenders = []
    for path, parts in modules():
        tree = ast.parse(path.read_text())
        guarded = is_type_checking_block(tree)
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
                    name = (node.module or "") if isinstance(node, ast.ImportFrom) else node.names[0].name
                    level = getattr(node, "level", 0)
                    if level or name.split(".")[0] not in LAZY_IMPORTS_ALLOWED:
                        offenders.append(f"{'/'.join(parts)}.py:{node.lineno} imports {'.' * level}{name}")
    assert not offenders, "imports inside functions:\n" + "\n".join(offenders)


def test_modules_stay_small():
    big = [f"{'/'.join(parts)}.py: {n} lines" for path, parts in modules()
           if (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert not big, f"modules over {MAX_LINES} lines (split them by concern):\n" + "\n".join(big)


VIEW_MODULES = [(path, parts) for path, parts in modules() if "view_config" in path.read_text()
                or parts[1] == "views"]


@pytest.mark.parametrize("path", [p for p, _ in VIEW_MODULES], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_views_do_not_reach_into_the_database(path):
    """Views orchestrate: queries live in services (or resources' loaders)."""
    lines = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\bdbsession\b|(?<![\w.])(?<!def )(select|update|insert|delete)\(", line)]
    assert not lines, "\n".join(lines)


TEMPLATES = sorted((PACKAGE / "templates").rglob("*.jinja2"))


def test_templates_build_urls_from_resources():
    """``request.resource_url``/``static_url``, never strings glued to application_url."""
    glued = [f"{t.relative_to(PACKAGE)}:{n}" for t in TEMPLATES
             for n, line in enumerate(t.read_text().splitlines(), 1) if "application_url" in line]
    assert not glued, "URLs glued from application_url:\n" + "\n".join(glued)


def test_templates_do_not_call_services():
    """Templates render what the view gave them (no ``catalogue.…`` or ``service.…`` calls)."""
    calls = [f"{t.relative_to(PACKAGE)}:{n}: {m.group(0)}" for t in TEMPLATES
             for n, line in enumerate(t.read_text().splitlines(), 1)
             for m in re.finditer(r"\b(catalogue|service|services|dbsession)\.\w+\(", line)]
    assert not calls, "\n".join(calls)
