"""The rule catalog: one YAML entry per rule, plus checklist.yaml. Shipped as scanner.catalog_files."""
