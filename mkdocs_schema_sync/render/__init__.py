"""Catalog in, Markdown out: `render_pages` returns {path: markdown} for the plugin and `generate --out`."""
