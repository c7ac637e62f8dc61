"""The interlog Python SDK: batch events in a background thread and send them to the bridge.

>>> client = Client("ilw_...", "http://127.0.0.1:18080")   # doctest: +SKIP
>>> client.track("PERFUME_VIEW", perfume_id="p-1", session_id="s-1", anonymous_id="a-1")  # doctest: +SKIP
>>> client.close()   # doctest: +SKIP
"""

from __future__ import annotations

from producers.sdk.client import Client, ClientStats

__all__ = ["Client", "ClientStats"]
