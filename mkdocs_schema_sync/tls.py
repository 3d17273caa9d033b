"""One TLS context per process for every HTTP exchange (GitHub, webhooks).

httpx builds a new context for each client, loading certifi's CA bundle each time (about 40 ms); a
monitor pass makes six or more requests, each with a client of its own (so that one total deadline
covers the whole exchange). The context is built once, as httpx would (`SSL_CERT_FILE`/`SSL_CERT_DIR`
honoured), and shared: an `ssl.SSLContext` may serve many connections and threads.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def tls_context() -> ssl.SSLContext:
    import httpx  # here, not at the top: importing httpx costs every command's start-up

    return httpx.create_ssl_context()
