"""newsletter: publish a periodic e-newsletter and a calendar of workshops and meetings."""

__version__ = "0.1.0"
