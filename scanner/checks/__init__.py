"""Rule logic that reads naturally as Python rather than a declarative condition, grouped by model.

Each check is a plain function `check(model, ctx) -> Iterator[Hit]`, named by its catalog entry.
"""
