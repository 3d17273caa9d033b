"""`mkdocs-schema-sync generate`: the pages on disk, for generators that run no MkDocs plugins."""

from __future__ import annotations

from pathlib import Path

import click

from ..files import write_pages
from ..pipeline import load_catalog, render_site
from .common import CliState, fail, run_core


@click.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write into."
)
@click.pass_obj
def generate(obj: CliState, out_dir: Path) -> None:
    """Write the generated pages to disk (for generators that run no MkDocs plugins).

    Pages it wrote before that no longer exist (a dropped table's) are removed; nothing else is.
    """
    settings = obj.settings
    loaded = run_core(load_catalog, settings)
    pages = run_core(render_site, settings, loaded)
    try:
        written, removed = write_pages(out_dir, pages)
    except (OSError, ValueError) as exc:
        fail(f"cannot write the pages under {out_dir}: {exc}")
    gone = f"; removed {removed} page(s) of objects that no longer exist" if removed else ""
    click.echo(f"wrote {written} pages under {out_dir} from {loaded.source.connection}{gone}")
