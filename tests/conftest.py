import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def clients() -> Iterator[list]:
    """Terminal clients a test starts (ssh in a pseudo-terminal, …): each closed after it."""
    made: list = []
    yield made
    for client in made:
        client.close()
