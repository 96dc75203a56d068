"""The order list both sides of `bench_order_list.py` serve: one GraphQL document, one place.

The queue page's rows (web/operations/_OrderRow.graphql) narrowed to what stack-notes §10
measured: the 50 newest orders with their item and its category, enterprise, applicant,
assignee, team and the first 3 events of each timeline, with the cursors and page info.
`bench/handwritten.py` answers exactly this document (and only it); the benchmark checks the
two answers are equal before it measures anything.
"""

from __future__ import annotations

from typing import Any

PAGE_SIZE = 50
TIMELINE_SIZE = 3

ORDER_LIST_QUERY = """
query OrderListBench($first: Int!, $filter: OrderFilter) {
  orders(first: $first, filter: $filter) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        number
        status
        createdAt
        dueAt
        serviceItem {
          id
          name
          categoryId
          categoryName
        }
        enterprise {
          id
          name
        }
        applicant {
          id
          name
        }
        assignee {
          id
          name
        }
        team {
          id
          name
        }
        timeline(first: 3) {
          edges {
            node {
              kind
              at
              actor {
                name
              }
            }
          }
        }
      }
    }
  }
}
"""

# The same list with its exact count: what the queue page asks for.
ORDER_LIST_WITH_COUNT_QUERY = ORDER_LIST_QUERY.replace(
    "  orders(first: $first, filter: $filter) {\n",
    "  orders(first: $first, filter: $filter) {\n    totalCount\n",
)


def request_body(
    *, first: int = PAGE_SIZE, filter: dict[str, Any] | None = None, with_count: bool = False
) -> dict[str, Any]:
    query = ORDER_LIST_WITH_COUNT_QUERY if with_count else ORDER_LIST_QUERY
    return {
        "query": query,
        "operationName": "OrderListBench",
        "variables": {"first": first, "filter": filter},
    }
