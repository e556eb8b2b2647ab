"""Every module the project imports comes from a distribution it declares: the package's code from
``install_requires``, the tests also from the ``test`` extra. A dependency that only arrives through
another one can disappear with that one's next release."""
import ast
import configparser
import importlib.metadata
import importlib.util
import os
import re
import sys

from conftest import ROOT

def declared(*sections):
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    texts = [config["options"]["install_requires"]]
    texts += [config["options.extras_require"][name] for name in sections]
    names = set()
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                names.add(canonical(re.match(r"[A-Za-z0-9_.\-]+", line.strip()).group(0)))
    return names


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def guarded(node, parents):
    """An import inside ``try: … except ImportError`` is optional."""
    for parent in parents:
        if isinstance(parent, ast.Try) and node in [n for body in parent.body for n in ast.walk(body)]:
            for handler in parent.handlers:
                names = ast.unparse(handler.type) if handler.type else ""
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def imported_modules(paths):
    """(file, module) for every absolute import in ``paths`` (directories, walked)."""
    for top in paths:
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                path = os.path.join(folder, name)
                if not name.endswith(".py"):
                    continue
                tree = ast.parse(open(path, encoding="utf-8").read())
                parents = [n for n in ast.walk(tree) if isinstance(n, ast.Try)]
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        modules = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        modules = [node.module]
                    else:
                        continue
                    if not guarded(node, parents):
                        for module in modules:
                            yield os.path.relpath(path, ROOT), module


def owners():
    """Absolute file path -> distribution name, over every installed distribution."""
    found = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or ():
            if str(file).endswith(".py"):
                found[os.path.realpath(dist.locate_file(file))] = canonical(dist.metadata["Name"])
    return found


def undeclared(paths, allowed):
    by_file = owners()
    missing = set()
    for path, module in imported_modules(paths):
        if module.split(".")[0] in sys.stdlib_module_names:
            continue
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:  # its parent package is not there
            spec = None
        if spec is None or not spec.origin:
            # not installed here: code for a side venv (the reference's, resotocore's), or a script's helper
            # it puts on sys.path itself; nothing that could arrive here through another dependency
            continue
        origin = os.path.realpath(spec.origin)
        if origin.startswith(ROOT + os.sep):
            continue  # the project's own modules
        owner = by_file.get(origin)
        if owner not in allowed:
            missing.add(f"{path}: {module} ({owner or 'no distribution'})")
    return sorted(missing)


def test_the_package_imports_only_declared_dependencies():
    assert undeclared(["worker", "collectors", "hookspecs"], declared()) == []


def test_the_tests_import_only_declared_dependencies():
    assert undeclared(["tests"], declared("test")) == []
