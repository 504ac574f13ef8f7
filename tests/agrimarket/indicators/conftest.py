import pytest

from agrimarket.app import connect_apps


@pytest.fixture(autouse=True)
def subscribers():
    """The apps' event subscribers, as create_app() wires them: the indicator's summary follows
    the listing history through one (tests here write the history without building an app)."""
    connect_apps()
