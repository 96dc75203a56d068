"""Orders in the schema: the lists (a handler's queue, a supervisor's overview), one order by
id or number, its timeline, and the supervisor's `assignOrder`."""
