"""kaoping (考评): a language and compiler for government performance-assessment schemes."""

__version__ = "0.1.0"
