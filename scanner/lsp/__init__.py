"""`hullscan lsp`: a Language Server Protocol server, so an editor judges a buffer as it is typed.

The server (`server`) is thin wiring over pygls; everything it says comes from the scan's own
pieces: `projects` judges the open buffers with the rest of the workspace through
`scanner.run.engine.judge_texts`, `diagnostics` turns findings into editor ranges, `actions` offers
suppressions and fixes, `hover` and `rule_pages` show the catalog's documentation. Only this
package imports pygls, which the `hullscan[lsp]` extra installs.
"""
