"""The platforms' front ends: each turns its events into core requests and sends for the core."""


class AdapterError(Exception):
    """A platform refused to start (a wrong token, an unreachable API): worded for the operator."""
