"""Loaded by every test subprocess: installs the network guard."""

import newsbot_netguard  # noqa: F401
