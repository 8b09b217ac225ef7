"""Browser tests of the built book (see conftest.py): a package, so that its conftest and
modules have names of their own (browser.conftest) beside tests/conftest.py."""
