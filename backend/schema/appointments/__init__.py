"""Appointments in the schema: plans, slots, bookings, the day list."""
