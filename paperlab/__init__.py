"""paperlab: guided notebooks and shared machinery for teaching deep-learning papers."""

from paperlab.config import Config, current, setup

__all__ = ["Config", "current", "setup", "__version__"]
__version__ = "0.1.0"
