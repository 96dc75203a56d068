"""Appointments (预约号管理): plans, slots on the working calendar, bookings and queue numbers."""
