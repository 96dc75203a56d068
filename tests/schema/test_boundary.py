"""The input boundary (backend/schema/boundary.py): text refused, normalised or kept, and bounded.

Every refusal here happens before any resolver runs, so each test also checks that nothing
was written or that the request never executed.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import httpx2
import pytest
from graphql import parse

from backend.models.accounts import User
from backend.models.applications import Application
from backend.models.catalog import ItemStatus, ReviewMode, ServiceItem
from backend.models.enterprises import Enterprise
from backend.models.orders import Order
from backend.schema import schema
from backend.schema.boundary import LOOKUP_BOUNDS, MAX_SEARCH, MAX_TEXT, clean_request
from backend.services.catalog import catalog
from tests import builders
from tests.conftest import PASSWORD, Api
from tests.schema.application_helpers import SAVE, SUBMIT, counts, materials, submission, world
from tests.schema.enterprise_helpers import REGISTER, credit_code, registration
from tests.schema.helpers import codes, signed_in

SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) {
    user { id name } userErrors { field code message } } }"""
SEARCH = "query($q: String) { serviceItems(search: $q) { edges { node { id } } } }"
APPLICATION = "query($id: ID!) { application(id: $id) { formData } }"
APPLICATIONS = "{ applications { edges { node { id formData } } } }"
NFD_E = "e\u0301"  # "é" as two code points
NFC_E = "\u00e9"


async def raw(api: Api, query: str, variables: dict[str, Any] | None = None) -> httpx2.Response:
    """Posts JSON as a client may write it: `json.dumps` escapes a lone surrogate as `\\ud800`."""
    await api.prime()
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"content-type": "application/json", "X-CSRF-Token": api.csrf()}
    return await api.client.post("/graphql", content=body, headers=headers)


def refused(response: httpx2.Response, code: str, field: list[str]) -> dict[str, Any]:
    """The one error of a request refused at the boundary: nothing ran, so there is no data."""
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert codes(body) == [code], body
    assert body["errors"][0]["extensions"]["field"] == field
    assert "data" not in body
    return body


# --- refused text -------------------------------------------------------------------------


async def test_a_lone_surrogate_in_a_sign_up_name_is_invalid_text_and_nothing_is_created(
    api: Api,
) -> None:
    variables = {"input": {"name": "张\ud800三", "contact": "a@example.com", "password": PASSWORD}}
    body = refused(await raw(api, SIGN_UP, variables), "INVALID_TEXT", ["input", "name"])
    assert "U+D800" in body["errors"][0]["message"]
    assert await User.all().count() == 0


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
async def test_nul_and_control_characters_in_a_name_are_invalid_text(
    api: Api, character: str
) -> None:
    variables = {"input": {"name": f"张{character}三", "contact": "a@b.cn", "password": PASSWORD}}
    refused(await raw(api, SIGN_UP, variables), "INVALID_TEXT", ["input", "name"])
    assert await User.all().count() == 0


async def test_a_graphql_response_client_gets_400_for_refused_text(api: Api) -> None:
    await api.prime()
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": SEARCH, "variables": {"q": "\ud800"}}).encode(),
        headers={
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
            "X-CSRF-Token": api.csrf(),
        },
    )
    assert response.status_code == 400
    assert codes(response.json()) == ["INVALID_TEXT"]


@pytest.mark.postgres
async def test_a_lone_surrogate_in_an_enterprise_name_is_invalid_text(new_api: Any) -> None:
    applicant = await signed_in(new_api, "owner@example.cn", ["APPLICANT"])
    variables = {"input": registration(credit_code(1), None, name="云栖\ud800科技有限公司")}
    refused(await raw(applicant, REGISTER, variables), "INVALID_TEXT", ["input", "name"])
    assert await Enterprise.all().count() == 0


@pytest.mark.postgres
async def test_a_lone_surrogate_in_form_data_is_refused_before_a_draft_or_an_order_exists(
    new_api: Any,
) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    before = await counts()
    answers = {"amount": "20000", "purpose": "扩产\ud800"}
    for document in (SAVE, SUBMIT):
        response = await raw(w.applicant, document, {"input": submission(w, formData=answers)})
        refused(response, "INVALID_TEXT", ["input", "formData", "purpose"])
    assert await counts() == before
    assert await Order.all().count() == 0
    # The applicant's and the auditor's lists still read.
    for client in (w.applicant, w.auditor):
        assert (await client.gql(APPLICATIONS))["applications"]["edges"] == []


async def test_a_lone_surrogate_in_a_form_data_key_is_refused(new_api: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    answers = {"amount": "20000", "pur\udc00pose": "x"}
    response = await raw(w.applicant, SUBMIT, {"input": submission(w, formData=answers)})
    refused(response, "INVALID_TEXT", ["input", "formData", "pur\\udc00pose"])
    assert await Application.all().count() == 0


@pytest.mark.postgres
async def test_a_lone_surrogate_or_nul_in_a_search_is_invalid_text(api: Api) -> None:
    await builders.published_item(None)
    for search in ("\ud800", "\x00", "a\x00b"):
        refused(await raw(api, SEARCH, {"q": search}), "INVALID_TEXT", ["search"])


async def test_text_written_into_the_document_is_checked_too(api: Api) -> None:
    for _ in range(2):  # a refused document is never kept as analysed
        response = await api.post('{ serviceItems(search: "a\\u0000b") { totalCount } }')
        body = refused(response, "INVALID_TEXT", ["search"])
        assert body["errors"][0]["locations"] == [{"line": 1, "column": 24}]


async def test_inside_a_variable_default_and_a_list_too(api: Api) -> None:
    response = await api.post(
        'query($q: String = "\\u0007") { serviceItems(search: $q) { totalCount } }'
    )
    refused(response, "INVALID_TEXT", ["$q"])
    response = await api.post(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["QQ", "a\x01"]}
    )
    refused(response, "INVALID_TEXT", ["ids", "1"])


# --- normalised text ----------------------------------------------------------------------


@pytest.mark.postgres
async def test_names_are_stored_in_nfc_with_chinese_punctuation_kept_and_read_back(
    api: Api,
) -> None:
    name = f"Ren{NFD_E}（张三）：测试，。"
    payload = await api.sign_up(name, "n@example.cn")
    assert payload["userErrors"] == []
    expected = f"Ren{NFC_E}（张三）：测试，。"
    assert payload["user"]["name"] == expected
    assert (await User.get()).name == expected
    assert (await api.gql("{ me { name } }"))["me"]["name"] == expected


async def test_a_password_is_never_rewritten(new_api: Any) -> None:
    password = f"caf{NFD_E} and more words"
    client = new_api()
    assert (await client.sign_up("李四", "p@example.cn", password))["userErrors"] == []
    assert (await new_api().login("p@example.cn", password))["userErrors"] == []
    composed = unicodedata.normalize("NFC", password)
    wrong = await new_api().login("p@example.cn", composed)
    assert [e["code"] for e in wrong["userErrors"]] == ["WRONG_CREDENTIALS"]


@pytest.mark.postgres
async def test_form_data_is_stored_with_lf_and_nfc_and_reads_back_everywhere(
    new_api: Any,
) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    answers = {"amount": "20000", "purpose": f"第一行，扩产\r\n第二行 caf{NFD_E}\tend"}
    input = submission(w, formData=answers, attachments=await materials(w.owner))
    response = await raw(w.applicant, SUBMIT, {"input": input})
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["submitApplication"]
    expected = {"amount": "20000", "purpose": f"第一行，扩产\n第二行 caf{NFC_E}\tend"}
    assert payload["application"]["formData"] == expected
    assert payload["order"] is not None  # the automatic item approved it and opened an order
    stored = await Application.get()
    assert stored.form_data == expected
    app_id = payload["application"]["id"]
    for client in (w.applicant, w.auditor):
        assert (await client.gql(APPLICATION, {"id": app_id}))["application"][
            "formData"
        ] == expected
        edges = (await client.gql(APPLICATIONS))["applications"]["edges"]
        assert [e["node"]["formData"] for e in edges] == [expected]


async def test_a_literal_in_the_document_is_normalised_before_it_is_used(api: Api) -> None:
    item, _ = await builders.published_item(None)
    item.search_text = f"caf{NFC_E} 咨询"
    await item.save()
    for _ in range(2):  # the second time, from the analysis kept for this document
        data = await api.gql(f'{{ serviceItems(search: "caf{NFD_E}") {{ totalCount }} }}')
        assert data["serviceItems"]["totalCount"] == 1


def test_ids_passwords_cursors_and_keys_are_kept_while_text_is_normalised() -> None:
    document = parse(
        """mutation($input: LoginInput!, $id: ID!, $after: String, $other: SignUpInput!) {
             login(input: $input) { user { id } }
             signUp(input: $other) { user { id } }
             n: markNotificationRead(input: {id: $id}) { userErrors { code } }
           }
           query Q($after: String) { teams(after: $after) { totalCount } }"""
    )
    crlf = f"a\r\nb{NFD_E}"
    variables = {
        "input": {"identifier": crlf, "password": crlf},
        "id": crlf.replace("\r\n", ""),
        "after": crlf,
        "other": {"name": crlf, "contact": crlf, "password": crlf},
    }
    kept_document, cleaned = clean_request(schema._schema, document, variables)
    assert kept_document is document  # no literal needed rewriting
    text = f"a\nb{NFC_E}"
    assert cleaned["input"] == {"identifier": text, "password": crlf}
    assert cleaned["id"] == variables["id"]
    assert cleaned["after"] == crlf
    assert cleaned["other"] == {"name": text, "contact": text, "password": crlf}


# --- bounds -------------------------------------------------------------------------------


def test_every_lookup_bound_names_an_argument_of_the_schema() -> None:
    for coordinate in LOOKUP_BOUNDS:
        owner, _, rest = coordinate.partition(".")
        field, _, argument = rest.rstrip(":)").partition("(")
        graphql_type = schema._schema.get_type(owner)
        assert graphql_type is not None, coordinate
        assert argument in graphql_type.fields[field].args, coordinate  # type: ignore[attr-defined]


BY_NUMBER = "query($n: String!) { %s(number: $n) { id } }"
BY_NAME = "query($c: String!, $n: String!) { serviceItemByName(category: $c, name: $n) { id } }"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "variable", "other", "field", "bound"),
    [
        (BY_NUMBER % "applicationByNumber", "n", {}, "number", 24),
        (BY_NUMBER % "orderByNumber", "n", {}, "number", 24),
        (BY_NAME, "n", {"c": "类别"}, "name", 200),
        (BY_NAME, "c", {"n": "事项"}, "category", 100),
    ],
)
async def test_a_lookup_longer_than_its_column_is_too_long_before_the_database(
    new_api: Any, query: str, variable: str, other: dict[str, str], field: str, bound: int
) -> None:
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    body = refused(
        await admin.post(query, {variable: "号" * (bound + 1), **other}), "TOO_LONG", [field]
    )
    assert body["errors"][0]["extensions"]["max"] == bound
    # At its bound the lookup runs, and finds nothing.
    data = await admin.gql(query, {variable: "号" * bound, **other})
    assert list(data.values()) == [None]


@pytest.mark.postgres
async def test_a_one_megabyte_search_is_too_long_everywhere(new_api: Any) -> None:
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    huge = "检" * (1024 * 1024 // 3)
    for query, field in (
        ("query($q: String) { serviceItems(search: $q) { totalCount } }", ["search"]),
        ("query($q: String) { enterprises(search: $q) { totalCount } }", ["search"]),
        ("query($q: String) { users(search: $q) { totalCount } }", ["search"]),
        ("query($q: String) { orders(filter: {search: $q}) { totalCount } }", ["filter", "search"]),
        (
            "query($q: String) { applications(filter: {search: $q}) { totalCount } }",
            ["filter", "search"],
        ),
    ):
        body = refused(await raw(admin, query, {"q": huge}), "TOO_LONG", field)
        assert body["errors"][0]["extensions"]["max"] == MAX_SEARCH
    data = await admin.gql(
        "query($q: String) { serviceItems(search: $q) { totalCount } }", {"q": "检" * MAX_SEARCH}
    )
    assert data["serviceItems"]["totalCount"] == 0


async def test_a_field_over_its_own_bound_is_still_a_user_error_at_the_field(
    new_api: Any,
) -> None:
    assert MAX_TEXT > catalog.MAX_TEXT
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    data = await admin.gql(
        """mutation($input: CreateCategoryInput!) { createCategory(input: $input) {
             userErrors { field code } } }""",
        {"input": {"nameZh": "类别", "descriptionZh": "说" * (catalog.MAX_TEXT + 1)}},
    )
    assert data["createCategory"]["userErrors"] == [
        {"field": ["descriptionZh"], "code": "TOO_LONG"}
    ]


async def test_any_other_text_is_bounded_too(api: Api) -> None:
    variables = {
        "input": {"name": "长" * (MAX_TEXT + 1), "contact": "a@b.cn", "password": PASSWORD}
    }
    refused(await raw(api, SIGN_UP, variables), "TOO_LONG", ["input", "name"])


@pytest.mark.postgres
async def test_percent_and_underscore_in_a_search_match_only_themselves(api: Api) -> None:
    plain, _ = await builders.published_item(None)
    plain.search_text = "办理 abc"
    await plain.save()
    marked, _ = await builders.published_item(None)
    marked.search_text = "折扣 50% a_c"
    await marked.save()
    for word, expected in (("%", [marked]), ("_", [marked]), ("a_c", [marked]), ("abc", [plain])):
        data = await api.gql(SEARCH, {"q": word})
        found = [edge["node"]["id"] for edge in data["serviceItems"]["edges"]]
        assert len(found) == len(expected), (word, found)
    assert await ServiceItem.filter(status=ItemStatus.PUBLISHED).count() == 2
