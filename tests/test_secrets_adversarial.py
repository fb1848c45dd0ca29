"""Hostile input cannot make the secrets pass slow: no pattern backtracks catastrophically.

Every detector's own pattern, and the whole pass, run over 100k-character inputs built to
provoke backtracking (long runs of what a pattern accepts, anchors repeated without the rest).
A linear scan takes milliseconds; the limit is generous so that only a blow-up fails.
"""

from __future__ import annotations

import re
import time

import pytest

from scanner.secrets.assign import GENERIC
from scanner.secrets.detectors import DETECTORS
from scanner.secrets.scan import alternatives, combined, scan_text

N = 100_000
LIMIT = 5.0  # seconds, for what takes milliseconds when linear

ADVERSARIAL = {
    "letters": "a" * N,
    "upper": "A" * N,
    "digits": "7" * N,
    "base64": "Ab9+/" * (N // 5),
    "equals": "=" * N,
    "dashes": "-" * N,
    "colons": ":" * N,
    "spaces": " " * N,
    "newlines": "\n" * N,
    "quotes": '"' * N,
    "escaped-quotes": 'password="' + '\\"' * (N // 2),
    "aws-ids": "AKIA" * (N // 4),
    "github": "ghp_" + "a" * N,
    "gitlab": "glpat-" + "a" * N,
    "slack": "xoxb-" + "1-" * (N // 2),
    "jwt-prefixes": "eyJ" * (N // 3),
    "jwt-unfinished": "eyJ" + "a" * N + ".eyJ" + "a" * N,
    "pem-headers": "-----BEGIN RSA PRIVATE KEY-----" * (N // 31),
    "pem-unfinished": "-----BEGIN RSA PRIVATE KEY-----\n" + "A" * N,
    "url-userinfo": "://" + "a:" * (N // 2),
    "url-repeated": "://a:b" * (N // 6),
    "assignments": "password=" * (N // 9),
    "keys": "key: " * (N // 5),
    "long-key": "a" * N + "_password: 'x",
    "auth": '"auth": "' + "QUJD" * (N // 4),
    "azure": "AccountKey=" + "A" * N,
    "slack-hook": "hooks.slack.com/services/T" + "A" * N,
    "sendgrid": "SG." * (N // 3),
    "pypi": "pypi-AgEIcHlwaS5vcmc" + "a" * N,
    "one-long-line-of-pairs": "DB_PASSWORD=Xy7#abcdEFG " * (N // 24),
}


def _elapsed(action) -> float:
    """CPU seconds, not the clock: a loaded machine must not fail a linear detector."""
    start = time.process_time()
    action()
    return time.process_time() - start


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_the_whole_pass_stays_linear(name: str) -> None:
    text = ADVERSARIAL[name]
    assert _elapsed(lambda: scan_text(text, "hostile", "dockerfile")) < LIMIT


@pytest.mark.parametrize("detector", [*DETECTORS, GENERIC], ids=lambda d: d.id)
def test_each_detector_pattern_stays_linear(detector) -> None:
    regex = detector.regex
    for name, text in ADVERSARIAL.items():
        assert _elapsed(lambda: [m for m in regex.finditer(text)]) < LIMIT, name  # noqa: B023


def test_every_anchor_alternative_starts_with_a_literal() -> None:
    """What keeps the combined pass fast (see detectors.py); a class or group first would not."""
    for detector in [*DETECTORS, GENERIC]:
        for alternative in alternatives(detector.anchor) if detector.anchor else ():
            assert alternative[0] not in "([.\\^$*+?{|", (detector.id, alternative)
    regex, by_first = combined()
    assert all(len(first) == 1 for first in by_first)
    assert isinstance(regex, re.Pattern)
