"""Saved container images (`docker save` tar, OCI layout directory or tar), read without an engine.

`scanner.image.model.opened` opens an archive into the image model the IMG rules read; the scan
of `hullscan image ARCHIVE` is `scanner.app.scan_archive`.
"""
