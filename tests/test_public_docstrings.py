"""Every public name has a docstring that says what it does and names each of its arguments.

The rule (Google style, rendered by the documentation site): a one-sentence summary that is not a
reference elsewhere ("as Conv1d", "see ..."), an ``Args:`` section listing every parameter of the
signature by its own name, one per entry (classes: their ``__init__``'s), and a ``Returns:`` section
for functions whose return annotation is not None. Public names come from the same namespaces as the
API pages (``docs/gen_api_pages.py``); for classes, the public methods they define themselves count too.

``tests/docstring_gaps.txt`` lists the names known not to meet the rule yet. The list only shrinks:
a name that is not on it and breaks the rule fails, and so does a listed name that now passes
(remove it from the list).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAPS = Path(__file__).with_name("docstring_gaps.txt")
VAGUE = re.compile(r"^(see |same as |as |arguments as |args as |like )", re.IGNORECASE)
SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Yields|Raises|Example|Examples|Note|Notes|Attributes|Warning|"
                     r"Warns|See Also|References|Shape|Inputs|Outputs)\s*:\s*$")


def _pages_module():
    spec = importlib.util.spec_from_file_location("gen_api_pages", ROOT / "docs" / "gen_api_pages.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_api_pages", module)
    spec.loader.exec_module(module)
    return module


def _args_section(doc: str) -> list[str] | None:
    """The parameter names of the ``Args:`` section (None when there is none)."""
    lines = doc.splitlines()
    for k, line in enumerate(lines):
        if re.match(r"^\s*(Args|Arguments|Parameters)\s*:\s*$", line):
            base = len(line) - len(line.lstrip())
            names, entry_indent = [], None
            for item in lines[k + 1:]:
                if not item.strip():
                    continue
                indent = len(item) - len(item.lstrip())
                if indent <= base or SECTION.match(item):
                    break
                if entry_indent is None:
                    entry_indent = indent
                if indent == entry_indent:
                    m = re.match(r"^\s*\**([A-Za-z_][A-Za-z0-9_]*)\s*(\([^)]*\))?\s*:", item)
                    names.append(m.group(1) if m else item.strip().split(":")[0])
            return names
    return None


def _parameters(obj: object) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and not p.name.startswith("_")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _variadic(obj: object) -> set[str]:
    """The names of ``*args`` / ``**kwargs`` parameters, which an Args section may list."""
    try:
        sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    except (TypeError, ValueError):
        return set()
    return {p.name for p in sig.parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def problems(obj: object) -> list[str]:
    """What the docstring of ``obj`` lacks under the rule (empty: it passes). A property needs only
    a docstring (what it is)."""
    if isinstance(obj, property):
        return [] if (obj.__doc__ or "").strip() else ["no docstring"]
    raw = obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)
    doc = inspect.cleandoc(raw) if raw else ""
    if not doc.strip():
        return ["no docstring"]
    found = []
    if VAGUE.match(doc.strip().splitlines()[0]):
        found.append("summary refers elsewhere")
    wanted = _parameters(obj)
    if inspect.isclass(obj) and obj.__init__ is object.__init__:
        wanted = []
    listed = _args_section(doc)
    if wanted:
        if listed is None:
            found.append("no Args section")
        else:
            missing = [p for p in wanted if p not in listed]
            unknown = [n for n in listed if n not in wanted and n not in _variadic(obj)]
            if missing:
                found.append("Args lacks " + ", ".join(missing))
            if unknown:
                found.append("Args names what is not a parameter: " + ", ".join(unknown))
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        annotation = inspect.signature(obj).return_annotation
        returns_something = annotation not in (inspect.Signature.empty, None, "None")
        if returns_something and not re.search(r"^\s*(Returns|Yields)\s*:", doc, re.MULTILINE):
            found.append("no Returns section")
    return found


def public_objects() -> dict[str, object]:
    """Every public name of the documented namespaces (and public methods of public classes)."""
    pages = _pages_module()
    seen: dict[str, object] = {}
    for _file, namespace, _title, _intro in pages.PAGES:
        ns = pages._resolve(namespace)
        for name in pages.public_names(namespace):
            obj = getattr(ns, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not (getattr(obj, "__module__", "") or "").startswith("arraygrad"):
                continue
            seen.setdefault(f"{namespace}.{name}", obj)
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if isinstance(value, (staticmethod, classmethod)):
                        value = value.__func__
                    if member.startswith("_") or not (inspect.isfunction(value) or isinstance(value, property)):
                        continue
                    if isinstance(value, property):
                        if value.fget is not None and (value.fget.__module__ or "").startswith("arraygrad"):
                            seen.setdefault(f"{namespace}.{name}.{member}", value)
                        continue
                    if not (inspect.unwrap(value).__module__ or "").startswith("arraygrad"):
                        continue  # another package's method, wrapped (SummaryWriter's tensorboardX methods)
                    seen.setdefault(f"{namespace}.{name}.{member}", value)
    return seen


def test_every_public_name_has_a_complete_docstring():
    gaps = {line.split("  #")[0].strip() for line in GAPS.read_text().splitlines()
            if line.strip() and not line.startswith("#")}
    offenders = {name: found for name, obj in public_objects().items() if (found := problems(obj))}
    new = sorted(name for name in offenders if name not in gaps)
    fixed = sorted(name for name in gaps if name not in offenders)
    message = []
    if new:
        message.append(f"{len(new)} public names break the docstring rule:\n" +
                       "\n".join(f"  {n}: {'; '.join(offenders[n])}" for n in new))
    if fixed:
        message.append(f"{len(fixed)} names in {GAPS.name} now pass or no longer exist; remove them:\n  " +
                       "\n  ".join(fixed))
    assert not message, "\n".join(message)


def test_the_rule_catches_what_it_should():
    def vague(x, y):  # noqa: ANN001, ANN202
        """As conv1d."""

    def missing(x: int, y: int) -> int:
        """Add.

        Args:
            x: the first.
        """
        return x + y

    def merged(x: int, y: int) -> None:
        """Do.

        Args:
            x, y: both.
        """

    def good(x: int, y: int = 2) -> int:
        """Add two numbers.

        Args:
            x: the first.
            y: the second.

        Returns:
            The sum.
        """
        return x + y

    assert "summary refers elsewhere" in problems(vague)
    assert problems(missing) == ["Args lacks y", "no Returns section"]
    assert problems(merged) == ["Args lacks x, y", "Args names what is not a parameter: x, y"]
    assert problems(good) == []


def _source_file(obj: object) -> str:
    """The file that defines ``obj`` (through wrappers), relative to the repository."""
    target = inspect.unwrap(obj) if callable(obj) else obj
    try:
        path = inspect.getsourcefile(target) or "?"
    except TypeError:
        return "?"
    return str(Path(path).resolve().relative_to(ROOT)) if path.startswith(str(ROOT)) else path


if __name__ == "__main__":
    # python tests/test_public_docstrings.py [PATH_PREFIX ...]: the names that break the rule, with
    # the file that defines each (only those under the given prefixes); --prune drops the names
    # that now pass from the gap list.
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only names defined in files under these paths")
    parser.add_argument("--prune", action="store_true", help=f"remove names that now pass from {GAPS.name}")
    options = parser.parse_args()
    offenders = {name: found for name, obj in public_objects().items() if (found := problems(obj))}
    objects = public_objects()
    shown = 0
    for name in sorted(offenders):
        source = _source_file(objects[name])
        if not options.prefixes or any(source.startswith(p) for p in options.prefixes):
            print(f"{source}: {name}  # {'; '.join(offenders[name])}")
            shown += 1
    print(f"{shown} names break the rule ({len(offenders)} in all)")
    if options.prune:
        kept = [line for line in GAPS.read_text().splitlines()
                if not line.strip() or line.startswith("#") or line.split("  #")[0].strip() in offenders]
        GAPS.write_text("\n".join(kept) + "\n")
