"""The enterprise domain's rules below the schema: phones, upload limits, demo data."""

from __future__ import annotations

import pytest

from backend.demo import seed as demo
from backend.models.enterprises import Building, Enterprise, EnterpriseStatus, PremisesBinding, Unit
from backend.services.core.errors import Invalid
from backend.services.enterprises import credit_codes
from backend.services.enterprises.enterprises import normalise_phone
from backend.services.files.uploads import CHUNK, UploadPolicy, check, read_limited
from tests.schema.enterprise_helpers import JPEG, PNG


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0571-88888888", "0571-88888888"),
        ("010 12345678", "010-12345678"),
        ("(021) 6234 5678", "021-62345678"),
        ("0755-2345678", "0755-2345678"),
        ("12345", None),
        ("2345678", None),
        ("0571-0888888", None),
        ("23800138000", None),
    ],
)
def test_contact_phones_are_mobiles_or_landlines(typed: str, stored: str | None) -> None:
    assert normalise_phone(typed) == stored


class Endless:
    """A body that never ends, counting what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    async def read(self, size: int = -1) -> bytes:
        assert 0 < size <= CHUNK
        self.read_bytes += size
        return b"\x00" * size


async def test_reading_stops_one_chunk_past_the_limit() -> None:
    source = Endless()
    with pytest.raises(Invalid) as caught:
        await read_limited(source, 10 * CHUNK)
    assert caught.value.problems[0].code == "FILE_TOO_LARGE"
    assert source.read_bytes == 11 * CHUNK


def test_a_purpose_brings_its_own_types_and_size() -> None:
    images = UploadPolicy(mime_types={"image/png": "PNG"}, max_bytes=len(PNG))
    assert check(PNG, images) == "image/png"
    for data, code in ((JPEG, "FILE_TYPE_NOT_ALLOWED"), (PNG + b"\x00", "FILE_TOO_LARGE")):
        with pytest.raises(Invalid) as caught:
            check(data, images)
        assert caught.value.problems[0].code == code
        assert caught.value.problems[0].field == ("file",)


@pytest.mark.postgres
async def test_the_demo_enterprises_are_verified_with_valid_codes(db: str) -> None:
    assert await demo.seed() is True
    assert await demo.seed() is False
    enterprises = await Enterprise.all().prefetch_related("memberships__user")
    assert len(enterprises) == 3
    for enterprise in enterprises:
        assert enterprise.status is EnterpriseStatus.VERIFIED
        assert credit_codes.is_valid(enterprise.credit_code)
        assert enterprise.live_credit_code == enterprise.credit_code
        assert [m.user.phone for m in enterprise.memberships] == ["13800138000"]
    assert await Building.all().count() == 2
    assert await Unit.all().count() == 32
    assert await PremisesBinding.filter(open_unit_id__isnull=False).count() == 3
