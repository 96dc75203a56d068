"""The park's working calendar: holidays, swapped working days, due dates in working days."""
