"""Shared test configuration for the core and the bundled plugins."""

pytest_plugins = ["hub.testing.fixtures"]
