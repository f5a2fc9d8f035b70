"""How a count reads in an answer: `1 error`, `2 errors`. The one plural rule of both servers."""


def plural(count: int, word: str) -> str:
    """`count` and `word`, with an `s` unless the count is one."""
    return f"{count} {word}{'' if count == 1 else 's'}"
