"""motcua — the one-stop system of a Vietnamese Public Administrative Service Center."""

__version__ = "0.1.0"
