"""How a count reads in an answer: `1 error`, `2 errors`. The one plural rule of both servers."""


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`; unless the count is one, `many` (by default `word` with an `s`)."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {many or word + 's'}"
