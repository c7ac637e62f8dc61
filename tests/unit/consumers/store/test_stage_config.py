"""Store stage configuration that needs no servers."""

from __future__ import annotations

import dataclasses

from consumers.store.stage import GROUP_ID, group_id_for
from interlog.settings import Topics, load_settings


def test_contract_topic_uses_the_contract_group() -> None:
    assert group_id_for(load_settings({})) == GROUP_ID == "interlog-store"


def test_other_topics_get_their_own_group() -> None:
    settings = dataclasses.replace(load_settings({}), topics=Topics(v1="t-1.v1"))
    assert group_id_for(settings) == "interlog-store.t-1.v1"
