"""Version of endorphin (single source: setuptools reads it statically)."""
__version__ = "0.1.0.dev0"
