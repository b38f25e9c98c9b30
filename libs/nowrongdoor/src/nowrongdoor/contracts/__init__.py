"""Every shape that crosses a process boundary, a module per producer, and a typed client each.

`vocabulary` holds the words all of them share; `events` what travels on the bus; `intake`,
`routing`, `cases` and `notifications` each service's HTTP shapes and its typed async client;
`http` what those clients have in common.
"""
