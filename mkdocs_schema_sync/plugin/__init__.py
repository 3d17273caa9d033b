"""The MkDocs shell: options, virtual files, serve watching.

The entry point is `mkdocs_schema_sync.plugin:SchemaSyncPlugin`.
"""

from .plugin import SchemaSyncPlugin

__all__ = ["SchemaSyncPlugin"]
