"""First-appointment requests from new patients, made on a public page without logging in.

`screen` (pure: the red-flag pre-screen, the portal safety card's symptoms and speeds),
`throttle` (how many requests an address or contact may make per hour, counted in the cache),
`models` (requests, and the record of someone sent to urgent help instead of booking),
`forms`, `services` (writes: receive, approve into a real appointment, decline, withdraw),
`selectors` (reads, scoped by role), `messages` (what the requester is told, by email and
text), and the pages: `public_views` (anyone) and `views` (reception, clinicians).
"""
