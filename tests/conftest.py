import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config) -> None:
    """Keep the parse cache of test runs out of the user's own cache folder."""
    os.environ["HULLSCAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="hullscan-test-cache-")
