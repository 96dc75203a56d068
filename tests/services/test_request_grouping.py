"""Grouping requests by the wording of their Chinese text: character pairs and Dice."""

from __future__ import annotations

import pytest

from backend.demo.service_requests import REQUESTS as DEMO
from backend.services.service_requests.grouping import clusters, dice, text_grams


def test_the_pairs_of_a_chinese_text_skip_punctuation() -> None:
    assert text_grams("食品许可，代办") == {"食品", "品许", "许可", "代办"}
    # Latin words pair their letters in lower case; a lone Chinese character counts alone.
    assert text_grams("ISO 认") == {"is", "so", "认"}
    assert text_grams("，。！") == frozenset()


def test_stop_words_are_cut_out_and_no_pair_spans_one() -> None:
    # 希望, 园区, 提供 go, and with them the pairs across them (望园, 区提, 供出).
    assert text_grams("希望园区提供出口退税咨询") == {"出口", "口退", "退税", "税咨", "咨询"}
    # The longest stop word goes whole: 服务大厅, not 服务 leaving 大厅.
    assert text_grams("希望服务大厅代办") == {"代办"}
    # A lone character left between stop words is dropped; one the text had alone is kept.
    assert text_grams("公司食堂要办理许可证") == {"食堂", "堂要", "许可", "可证"}
    assert text_grams("希望能在大厅申请") == {"能在"}
    assert text_grams("园区，证") == {"证"}
    assert text_grams("希望园区提供") == frozenset()


def test_common_words_alone_no_longer_make_requests_alike() -> None:
    # Before the stop list these two scored about 0.23, all of it from 希望园区提供.
    food = text_grams(
        "食品经营许可证办理指导\n公司食堂要办理食品经营许可证，希望园区提供办理指导或代办。"
    )
    tax = text_grams("出口退税咨询\n希望园区提供出口退税政策咨询和申报辅导。")
    assert food & tax == frozenset()
    assert dice(food, tax) == 0.0


def test_the_demo_requests_fall_into_their_known_groups() -> None:
    texts = [text_grams(f"{title}\n{description}") for _, title, description, *_ in DEMO]
    # 0, 1: food licences; 2, 3: talent flats; 4: export tax, alone.
    scores = [[round(dice(a, b), 2) for b in texts] for a in texts]
    assert scores[0][1] == 0.61  # 代办 可证 品经 经营 营许 许可 食品: 2·7 / (13 + 10)
    assert scores[2][3] == 0.33  # 人才 才公 公寓: 2·3 / (10 + 8)
    unrelated = [scores[i][j] for i in range(5) for j in range(5) if {i, j} not in ({0, 1}, {2, 3})]
    assert all(score == 0.0 for score in unrelated if score != 1.0), scores
    found = sorted(sorted(members) for members, _ in clusters(texts, threshold=0.3))
    assert found == [[0, 1], [2, 3], [4]]


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
