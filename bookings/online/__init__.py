"""Online booking: patients book, move and cancel their own follow-ups in the portal.

`rules` (pure: minimum notice, how far ahead, who may book online, the week pages),
`models` (the clinic's online-booking settings, edited by the manager in the admin),
`selectors` (the slots a patient is offered), and `services` (booking and moving, through
`bookings.services`, so the database's exclusion constraints decide every race). The
patient's pages are in `portal/pages/booking.py`.
"""
