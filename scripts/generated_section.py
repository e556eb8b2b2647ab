"""One generated section of a document, between two marker comments: written, or checked (``--check``: exit 1
when the file is stale), so that generated docs cannot drift from the code."""
import sys


def render(text: str, begin: str, end: str, generated: str) -> str:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{generated}\n{end}{tail}"


def write_or_check(path: str, begin: str, end: str, generated: str, regenerate_with: str) -> int:
    with open(path, encoding="utf-8") as f:
        current = f.read()
    new = render(current, begin, end, generated)
    if "--check" in sys.argv:
        if new != current:
            print(f"{path} is stale: run {regenerate_with}")
            return 1
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return 0
