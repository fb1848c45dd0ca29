"""hullscan: a static scanner for container security."""

__version__ = "0.1.0"
