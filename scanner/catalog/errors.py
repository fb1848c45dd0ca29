"""The catalog's one error, in its own module so that the rule loader and the declarative
condition compiler it calls can both raise it without importing each other."""


class CatalogError(Exception):
    """A malformed catalog entry; the message names the file."""
