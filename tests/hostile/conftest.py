"""Hostile-repository tests: each builds one attack as files on disk and runs hullscan on it as CI
would (see `tests/attacks.py`). A test here fails when the attack works."""
