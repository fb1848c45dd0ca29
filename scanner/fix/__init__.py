"""`hullscan fix`: the edit that removes a finding, planned from where the finding points.

Fixes are declared in the catalog (`fix: {applicability, description, edit}`); `edit` names a
function of this package, validated from the name like a rule's `check`. A fix edits text spans
only (a scalar replaced, a key inserted at the mapping's indentation, a flag added to a command),
so everything else in the file stays byte for byte as it was. `plan.plan_fixes` turns findings
into `Edit`s (the API editors use for code actions); `run.fix_tree` applies them to a private copy
of the project, re-scans, rolls back what did not help, and iterates to a fixed point.
"""
