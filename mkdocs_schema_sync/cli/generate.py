"""`mkdocs-schema-sync generate`: the pages on disk, for generators that run no MkDocs plugins."""

from __future__ import annotations

from pathlib import Path

import click

from ..pipeline import load_catalog, render_site
from .common import CliState, run_core


@click.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write into."
)
@click.pass_obj
def generate(obj: CliState, out_dir: Path) -> None:
    """Write the generated pages to disk (for generators that run no MkDocs plugins)."""
    settings = obj.settings
    loaded = run_core(load_catalog, settings)
    pages = run_core(render_site, settings, loaded)
    for rel, text in pages.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {len(pages)} pages under {out_dir} from {loaded.source.connection}")
