"""Grouping requests by the wording of their Chinese text: character pairs and Dice."""

from __future__ import annotations

import pytest

from backend.services.service_requests.grouping import clusters, dice, text_grams


def test_the_pairs_of_a_chinese_text_skip_punctuation() -> None:
    assert text_grams("食品许可，办理") == {"食品", "品许", "许可", "办理"}
    # Latin words pair their letters in lower case; a lone Chinese character counts alone.
    assert text_grams("ISO 认") == {"is", "so", "认"}
    assert text_grams("，。！") == frozenset()


def test_dice_over_character_pairs_has_known_answers() -> None:
    a = text_grams("食品经营许可")  # 食品 品经 经营 营许 许可
    b = text_grams("食品许可证")  # 食品 品许 许可 可证
    # Shared: 食品, 许可 -> 2·2 / (5 + 4)
    assert dice(a, b) == pytest.approx(4 / 9)
    assert dice(a, a) == 1.0
    assert dice(a, text_grams("人才公寓")) == 0.0
    assert dice(a, frozenset()) == 0.0


TEXTS = [
    "代办食品经营许可证",  # 0
    "食品经营许可证代办服务",  # 1: like 0
    "人才公寓申请",  # 2
    "申请人才公寓入住",  # 3: like 2
    "商标注册代理",  # 4: alone
    "食品经营许可证年检",  # 5: like 1, so with 0 and 1 (single link)
]


def test_alike_requests_are_grouped_and_the_rest_stand_alone() -> None:
    grams = [text_grams(t) for t in TEXTS]
    found = clusters(grams, threshold=0.5)
    groups = sorted(sorted(members) for members, _ in found)
    assert groups == [[0, 1, 5], [2, 3], [4]]
    scores = {tuple(sorted(members)): score for members, score in found}
    assert scores[(4,)] == 0.0
    assert scores[(2, 3)] == pytest.approx(dice(grams[2], grams[3]))


def test_the_threshold_decides_what_is_alike() -> None:
    grams = [text_grams(t) for t in TEXTS]
    # Everything unlike at 1.0 (no two texts are the same), everything together at a tiny one
    # only where some pair is shared.
    assert len(clusters(grams, threshold=1.0)) == len(TEXTS)
    strict = sorted(sorted(m) for m, _ in clusters(grams, threshold=0.8))
    assert [2, 3] not in strict


def test_the_threshold_and_the_bound_come_from_the_environment() -> None:
    from backend.settings import SettingsError, load_settings

    settings = load_settings(
        {"SERVICEHALL_REQUEST_SIMILARITY": "0.45", "SERVICEHALL_REQUEST_GROUP_LIMIT": "50"}
    )
    assert (settings.request_similarity, settings.request_group_limit) == (0.45, 50)
    assert load_settings({}).request_similarity == 0.3
    with pytest.raises(SettingsError, match="REQUEST_SIMILARITY"):
        load_settings({"SERVICEHALL_REQUEST_SIMILARITY": "0"})
    with pytest.raises(SettingsError, match="REQUEST_GROUP_LIMIT"):
        load_settings({"SERVICEHALL_REQUEST_GROUP_LIMIT": "5000"})
