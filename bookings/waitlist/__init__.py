"""The waitlist: patients waiting for an earlier appointment, offered slots as they free up.

`models` (entries and offers), `matching` (pure: who suits a freed slot, in which order),
`offers` (writes: entries, offering a freed slot, declining, expiring), `accept` (taking an
offer, which books through `bookings.services`), `selectors`, and the staff pages in `views`.
The patient's pages are in `portal/pages/waitlist.py`.
"""
