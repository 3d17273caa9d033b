"""Which Microsoft ODBC driver pyodbc loads: a registered one, else the one the `mssql` extra ships.

`pip install 'mkdocs-schema-sync[mssql]'` brings `mssql-python-odbc`, a wheel with
Microsoft ODBC Driver 18 for SQL Server as a shared library for Debian/Ubuntu,
RHEL and SUSE. unixODBC loads a driver by path (`DRIVER={/…/libmsodbcsql-18.6.so.2.1}`)
with no odbcinst registration, so a GitHub runner or a laptop needs no apt and no
Microsoft repository. A driver registered with the driver manager, or `Driver=`
in the URL, still wins.
"""

from __future__ import annotations

import importlib
import platform
from pathlib import Path

from ...errors import ConnectError

#: the names Microsoft's drivers register under, newest first
REGISTERED_NAMES = ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server")
BUNDLE_PACKAGE = "mssql_python_odbc"
#: /etc/os-release ID or ID_LIKE word -> the folder of the bundle built for that family
_DISTRO_DIRS = {
    "debian": "debian_ubuntu",
    "ubuntu": "debian_ubuntu",
    "rhel": "rhel",
    "fedora": "rhel",
    "centos": "rhel",
    "rocky": "rhel",
    "almalinux": "rhel",
    "ol": "rhel",
    "amzn": "rhel",
    "suse": "suse",
    "sles": "suse",
    "opensuse": "suse",
}
MISSING = (
    "no Microsoft ODBC driver for SQL Server is installed: pip install 'mkdocs-schema-sync[mssql]' "
    "(it ships ODBC Driver 18 as a library, no apt needed), or register msodbcsql18, or name a driver "
    "with ?driver=… in the URL"
)


def bundle_libs() -> Path | None:
    """The `libs/` folder of the installed `mssql-python-odbc`, or None."""
    try:
        module = importlib.import_module(BUNDLE_PACKAGE)
    except ImportError:
        return None
    return Path(module.get_libs_dir())


def os_family(os_release: str | None = None) -> str | None:
    """debian_ubuntu, rhel or suse, from /etc/os-release (ID, then ID_LIKE); None when unknown."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    fields = dict(line.split("=", 1) for line in os_release.splitlines() if "=" in line and not line.startswith("#"))
    for key in ("ID", "ID_LIKE"):
        for word in fields.get(key, "").strip().strip('"').lower().split():
            if word in _DISTRO_DIRS:
                return _DISTRO_DIRS[word]
    return None


def bundled_driver(libs: Path | None = None, family: str | None = None, machine: str | None = None) -> Path | None:
    """The driver library in the bundle built for this OS family and CPU (Debian/Ubuntu's when unknown)."""
    libs = libs if libs is not None else bundle_libs()
    if libs is None or not libs.is_dir():
        return None
    arch = {"aarch64": "arm64", "amd64": "x86_64"}.get(
        (machine or platform.machine()).lower(), machine or platform.machine()
    )
    found = sorted(libs.glob(f"linux/*/{arch}/lib/libmsodbcsql-*.so*")) + sorted(libs.glob("**/libmsodbcsql*.dylib"))
    if not found:
        return None
    wanted = family if family is not None else os_family()
    for folder in (wanted, "debian_ubuntu"):
        match = next((p for p in found if folder and f"/{folder}/" in p.as_posix()), None)
        if match is not None:
            return match
    return found[0]


def choose_driver(registered: list[str], bundled: Path | None) -> str:
    """The DRIVER value when the URL named none: a registered Microsoft driver, else the bundled library."""
    for name in REGISTERED_NAMES:
        if name in registered:
            return name
    if bundled is not None:
        return str(bundled)
    raise ConnectError(MISSING, reason="its ODBC driver is not installed")
