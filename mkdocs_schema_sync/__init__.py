"""mkdocs-schema-sync: database schema documentation that is never stale."""

__version__ = "0.1.0"
