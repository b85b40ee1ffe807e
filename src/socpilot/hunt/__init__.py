"""Plain-English hunting: question -> HuntQuery -> SQL (shown and checked) -> KQL, SPL, ES|QL."""
