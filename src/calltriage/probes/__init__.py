"""Probes: one small adapter per check of the SIP server, registered by name (see registry.py)."""
