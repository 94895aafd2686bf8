"""calltriage: a troubleshooting desk for secure-VoIP support teams."""

__version__ = "0.1.0"
