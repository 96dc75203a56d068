"""The catalog's enums in the schema; imported before any type or input that uses them."""

from __future__ import annotations

import strawberry

from backend.models.catalog import Fulfilment, ItemStatus, ReviewMode
from backend.schema.enterprises import records  # noqa: F401  (registers EnterpriseRecord)
from backend.services.catalog.forms import FieldType

strawberry.enum(ItemStatus, name="ServiceItemStatus", description="Whether applicants see it.")
strawberry.enum(ReviewMode, name="ReviewMode", description="Who approves an application.")
strawberry.enum(Fulfilment, name="Fulfilment", description="Who does the work.")
strawberry.enum(FieldType, name="FormFieldType", description="What a form field asks for.")
