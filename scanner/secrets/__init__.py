"""Hard-coded secrets: detectors, false-positive filters, redaction, and the `text` model.

`scanner.secrets.scan.scan_text(text, path, kind)` is the one entry point for any text (a scanned
file, a file inside an image layer, an image's config): it returns `SecretMatch` values whose
secret stays in memory; only `redacted` and `digest` are ever shown.
"""
