"""`mkdocs-schema-sync generate`: the pages on disk, for generators that run no MkDocs plugins."""

from __future__ import annotations

from pathlib import Path

import click

from ..files import write_pages
from ..pipeline import build_model, database_of, load_catalog
from ..render.pages import render_pages
from ..render.site import Section, attach_cross_database_links, attach_foreign_sources, site_pages
from .common import CliState, fail, run_core


@click.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder to write into."
)
@click.pass_obj
def generate(obj: CliState, out_dir: Path) -> None:
    """Write the generated pages to disk (for generators that run no MkDocs plugins).

    Pages it wrote before that no longer exist (a dropped table's) are removed; nothing else is.
    With `databases:`, every database's section and the site's own pages.
    """
    pages: dict[str, str] = {}
    sections: list[Section] = []
    sources = []
    for settings in obj.databases:  # one database down: its pages come from its snapshot alone
        loaded = run_core(load_catalog, settings)
        sections.append(Section(str(settings.name), run_core(build_model, settings, loaded), database_of(settings)))
        sources.append(loaded.source.connection)
    attach_foreign_sources(sections)
    attach_cross_database_links(sections)
    for section in sections:
        pages.update(run_core(render_pages, section.model))
    if obj.multi:
        root = obj.databases[0].path.rsplit("/", 1)[0]
        pages.update(site_pages(root, obj.site_title, sections))
    try:
        written, removed = write_pages(out_dir, pages)
    except (OSError, ValueError) as exc:
        fail(f"cannot write the pages under {out_dir}: {exc}")
    gone = f"; removed {removed} page(s) of objects that no longer exist" if removed else ""
    click.echo(f"wrote {written} pages under {out_dir} from {', '.join(sources)}{gone}")
