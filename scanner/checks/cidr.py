"""Whether an address range written in a template or manifest means "every address".

Ranges are compared after parsing, not as text: `0000:0000:0000:0000:0000:0000:0000:0000/0`,
`::0/0` and `0.0.0.0/000` are all the whole address space, whatever a rule's list of spellings says.
"""

from __future__ import annotations

import ipaddress


def everywhere(value: str) -> bool:
    """True for a range of prefix length 0 (IPv4 or IPv6), however it is spelt; False for anything
    that is not a range (a name, a service tag, an unparsable value)."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False
