"""Fixtures shared by the tests of lecture_code.plotting."""
import matplotlib.pyplot as plt
import pytest


@pytest.fixture
def ax():
    """A fresh matplotlib Axes, its figure closed after the test."""
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)
