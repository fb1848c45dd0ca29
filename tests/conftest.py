import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config) -> None:
    """Keep the caches of test runs, and the key that signs them, out of the user's own folders."""
    os.environ["HULLSCAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="hullscan-test-cache-")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hullscan-test-config-")
