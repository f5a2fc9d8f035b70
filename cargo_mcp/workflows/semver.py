"""Versions and Cargo version requirements (`1.2`, `^0.3`, `~1.2.3`, `>=1, <3`, `1.*`, `=2.0.1`),
matched the way Cargo matches them, for reading what a requirement allows from a registry index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")
COMPARATOR = re.compile(r"(\^|~|=|>=|>|<=|<)?\s*(\d+|\*)(?:\.(\d+|\*))?(?:\.(\d+|\*))?(?:-([0-9A-Za-z.-]+))?")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version | None:
        match = VERSION.fullmatch(text.strip())
        if match is None:
            return None
        pre = tuple(match[4].split(".")) if match[4] else ()
        return cls(int(match[1]), int(match[2]), int(match[3]), pre)

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # a release sorts after its pre-releases; numeric identifiers sort before alphanumeric ones
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" + (f"-{'.'.join(self.pre)}" if self.pre else "")


@dataclass(frozen=True)
class Bound:
    """One comparator as a range: from `low` (inclusive unless `above`) to `high` (exclusive)."""

    low: Version | None
    high: Version | None
    exact_pre: tuple[int, int, int] | None = None  # the release whose pre-releases it admits
    above: bool = False

    def admits(self, version: Version) -> bool:
        if self.low is not None and (version <= self.low if self.above else version < self.low):
            return False
        return self.high is None or version < self.high


def _floor(major: int, minor: int = 0, patch: int = 0) -> Version:
    """The lowest version of a release line: below all of its pre-releases."""
    return Version(major, minor, patch, ("0",))


def _bound(op: str, major: int, minor: int | None, patch: int | None, pre: tuple[str, ...]) -> Bound:
    """The range one comparator allows, with Cargo's rules for missing parts (`1.2` is `^1.2.0`)."""
    base = Version(major, minor or 0, patch or 0, pre)
    triple = (base.major, base.minor, base.patch) if pre else None
    # the first version past the parts given: 1 -> 2.0.0, 1.2 -> 1.3.0, 1.2.3 -> 1.2.4
    if minor is None:
        past = _floor(major + 1)
    elif patch is None:
        past = _floor(major, minor + 1)
    else:
        past = _floor(major, minor, patch + 1)
    if op == "=":
        return Bound(base, past, triple)
    if op == ">=":
        return Bound(base, None, triple)
    if op == ">":
        return Bound(base, None, triple, above=True) if patch is not None else Bound(past, None, triple)
    if op == "<":
        return Bound(None, base if pre else _floor(base.major, base.minor, base.patch), triple)
    if op == "<=":
        return Bound(None, past, triple)
    if op == "~":
        return Bound(base, _floor(major, minor + 1) if minor is not None else past, triple)
    # caret (the default): the left-most non-zero part given may not change
    if major > 0 or minor is None:
        high = _floor(major + 1)
    elif minor > 0 or patch is None:
        high = _floor(0, minor + 1)
    else:
        high = _floor(0, 0, patch + 1)
    return Bound(base, high, triple)


@dataclass(frozen=True)
class Requirement:
    text: str
    bounds: tuple[Bound, ...]

    @classmethod
    def parse(cls, text: str) -> Requirement | None:
        bounds: list[Bound] = []
        for part in (p.strip() for p in text.split(",")):
            if part in ("*", ""):
                continue
            match = COMPARATOR.fullmatch(part)
            if match is None or match[2] == "*":
                return None
            op = match[1] or "^"
            minor = None if match[3] in (None, "*") else int(match[3])
            patch = None if match[4] in (None, "*") or minor is None else int(match[4])
            pre = tuple(match[5].split(".")) if match[5] else ()
            bounds.append(_bound(op, int(match[2]), minor, patch, pre))
        return cls(text, tuple(bounds))

    def matches(self, version: Version) -> bool:
        if version.pre and not any(
            b.exact_pre == (version.major, version.minor, version.patch) for b in self.bounds
        ):
            return False  # Cargo never picks a pre-release the requirement does not name
        return all(bound.admits(version) for bound in self.bounds)


def newest(versions: list[Version], requirement: Requirement | None = None) -> Version | None:
    """The newest release (or, through the requirement, named pre-release) that matches."""
    allowed = [v for v in versions if (requirement.matches(v) if requirement else not v.pre)]
    return max(allowed, default=None)
