"""Provider detectors: one row each, with its pattern, the rule it reports under and where the
token format is documented.

A pattern's `secret` group is the secret itself (the whole match when there is none); whatever
precedes it (a key name, `AccountKey=`) is context. Every repetition is bounded, so matching is
linear. The `anchor` is what the combined pass looks for: alternatives that each start with a
literal character, because Python's regex engine skips ahead over text only when every branch of
an alternation starts with a literal (see `scan.combined` for the figures). The full pattern is
tried only where an anchor is.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

PROVIDER_FILTERS = ("template", "placeholder", "well-known-example")
# Base64 of binary structures has long runs (`AAAAAAAA` in every OpenSSH key) that look like
# placeholders; a key body or a JWT is judged by its shape instead.
ENCODED_FILTERS = ("template", "well-known-example")
GENERIC_FILTERS = ("template", "placeholder", "well-known-example", "reference", "file-path",
                   "env-var-name", "digest", "uuid", "public-certificate", "prose", "url",
                   "boolean-or-number", "demo-word", "sequence", "too-short", "low-entropy")


@dataclass(frozen=True)
class Detector:
    id: str
    rule: str
    description: str
    pattern: str
    reference: str
    anchor: str = ""  # literal-first alternatives for the combined pass; "" when found another way
    validate: Callable[[str], bool] | None = None
    requires: str = ""  # a regex the whole text must contain (a service-account file says so)
    filters: tuple[str, ...] = PROVIDER_FILTERS
    marker: str = ""  # the format's public prefix, the only part of a token a report may show

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    @cached_property
    def anchor_regex(self) -> re.Pattern[str]:
        return re.compile(self.anchor)


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                                else None, validate=True)
    except (binascii.Error, ValueError):
        return None


def is_jwt(token: str) -> bool:
    """A JWT's header is base64url JSON naming its algorithm; random dotted text is not."""
    raw = _b64(token.split(".", 1)[0])
    try:
        header = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


def is_user_password(value: str) -> bool:
    """Docker's `auth` is base64 of `user:password`; both parts must be there and printable."""
    raw = _b64(value)
    if raw is None:
        return False
    try:
        user, sep, password = raw.decode("utf-8").partition(":")
    except UnicodeDecodeError:
        return False
    return bool(sep and user and password and (user + password).isprintable())


_B = r"(?<![A-Za-z0-9_+/-])"  # a token starts at a boundary (`KEY=token` is one), never inside a word
_E = r"(?![A-Za-z0-9_-])"

DETECTORS: tuple[Detector, ...] = (
    Detector("aws-access-key-id", "SEC001", "AWS access key id",
             r"(?<![A-Z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])",
             "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
             anchor=r"AKIA|ASIA|ABIA|ACCA", marker=r"AKIA|ASIA|ABIA|ACCA"),
    Detector("aws-secret-access-key", "SEC001", "AWS secret access key",
             r"(?<![A-Za-z0-9/+=])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",  # paired or named: no anchor
             "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"),
    Detector("gcp-service-account-key", "SEC002", "GCP service account key",
             r"\"private_key\"[ \t]*:[ \t]*\"(?P<secret>-----BEGIN PRIVATE KEY-----[^\"]{64,8000}?"
             r"-----END PRIVATE KEY-----(?:\\n)?)\"",
             "https://cloud.google.com/iam/docs/keys-create-delete",
             anchor='"private_key"', filters=ENCODED_FILTERS,
             requires=r"\"type\"[ \t]*:[ \t]*\"service_account\""),
    Detector("gcp-api-key", "SEC002", "GCP API key", _B + r"(?P<secret>AIza[0-9A-Za-z_-]{35})" + _E,
             "https://cloud.google.com/docs/authentication/api-keys", anchor=r"AIza", marker="AIza"),
    Detector("azure-storage-key", "SEC003", "Azure storage account key",
             r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
             "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage",
             anchor=r"AccountKey="),
    Detector("azure-shared-access-key", "SEC003", "Azure shared access key",
             r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{42,43}=)",
             "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas",
             anchor=r"SharedAccessKey="),
    Detector("github-token", "SEC004", "GitHub token",
             _B + r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})" + _E,
             "https://docs.github.com/authentication/keeping-your-account-and-data-secure/"
             "about-authentication-to-github#githubs-token-formats",
             anchor=r"gh[pousr]_|github_pat_", marker=r"gh[pousr]_|github_pat_"),
    Detector("gitlab-token", "SEC005", "GitLab token",
             _B + r"(?P<secret>(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|glimt|gloas|glagent|glffct|glwt)"
                  r"-[0-9A-Za-z_.-]{20,300}|GR1348941[0-9A-Za-z_-]{20,300})" + _E,
             "https://docs.gitlab.com/security/tokens/#token-prefixes", anchor=r"gl[a-z]{2,6}-|GR1348941",
             marker=r"gl[a-z]{2,7}-|GR1348941"),
    Detector("slack-token", "SEC006", "Slack token",
             _B + r"(?P<secret>xox[abposre]-[0-9A-Za-z-]{10,250}|xapp-[0-9]-[0-9A-Za-z-]{10,250})" + _E,
             "https://api.slack.com/authentication/token-types", anchor=r"xox[abposre]-|xapp-",
             marker=r"xox[abposre]-|xapp-"),
    Detector("slack-webhook", "SEC006", "Slack webhook URL",
             r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>T[0-9A-Z]{6,12}/[0-9A-Za-z/_-]{20,120})",
             "https://api.slack.com/messaging/webhooks", anchor=r"hooks\.slack\.com/"),
    Detector("stripe-key", "SEC007", "Stripe secret key",
             _B + r"(?P<secret>(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,247})" + _E,
             "https://docs.stripe.com/keys", anchor=r"sk_(?:live|test)_|rk_(?:live|test)_",
             marker=r"[sr]k_(?:live|test)_"),
    Detector("twilio-api-key", "SEC008", "Twilio API key",
             r"(?<![0-9A-Za-z])(?P<secret>SK[0-9a-fA-F]{32})(?![0-9A-Za-z])",
             "https://www.twilio.com/docs/iam/api-keys", anchor=r"SK[0-9a-fA-F]{32}", marker="SK"),
    Detector("sendgrid-api-key", "SEC009", "SendGrid API key",
             _B + r"(?P<secret>SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})" + _E,
             "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys",
             anchor=r"SG\.", marker=r"SG\."),
    Detector("npm-token", "SEC010", "npm access token",
             _B + r"(?P<secret>npm_[0-9A-Za-z]{36})" + _E,
             "https://docs.npmjs.com/about-access-tokens", anchor=r"npm_", marker="npm_"),
    Detector("npmrc-auth-token", "SEC010", "npm auth token",
             r":_authToken[ \t]*=[ \t]*(?P<secret>[0-9A-Za-z_.+/=-]{20,400})",
             "https://docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration",
             anchor=r":_authToken"),
    Detector("pypi-token", "SEC011", "PyPI API token",
             _B + r"(?P<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[0-9A-Za-z_-]{50,1000})" + _E,
             "https://pypi.org/help/#apitoken", anchor=r"pypi-AgE", marker="pypi-"),
    Detector("docker-registry-auth", "SEC012", "Docker registry credential",
             r"\"auth\"[ \t]*:[ \t]*\"(?P<secret>[A-Za-z0-9+/]{6,2000}={0,2})\"",
             "https://docs.docker.com/reference/cli/docker/login/#credential-stores",
             anchor='"auth"',
             validate=is_user_password),
    Detector("private-key", "SEC013", "private key",
             r"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----",
             "https://datatracker.ietf.org/doc/html/rfc7468", anchor=r"-----BEGIN", filters=ENCODED_FILTERS),
    Detector("jwt", "SEC014", "JSON Web Token",
             r"(?<![A-Za-z0-9_.-])(?P<secret>eyJ[A-Za-z0-9_-]{8,4000}\.eyJ[A-Za-z0-9_-]{2,8000}\.[A-Za-z0-9_-]{0,2000})"
             r"(?![A-Za-z0-9_.-])",
             "https://datatracker.ietf.org/doc/html/rfc7519",
             anchor=r"eyJ", validate=is_jwt, filters=ENCODED_FILTERS, marker="eyJ"),
    Detector("password-in-url", "SEC015", "password in a URL",
             r"://[^\s:@/'\"<>{}\[\]()$]{1,64}:(?P<secret>[^\s@/'\"<>]{1,128})@(?=[A-Za-z0-9\[])",
             "https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1",
             anchor=r"://",
             filters=GENERIC_FILTERS),
)

BY_ID = {detector.id: detector for detector in DETECTORS}
