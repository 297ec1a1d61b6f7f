"""Building blocks used by two or more papers."""
