"""Work after the commit and at a time: the jobs table, its handlers and the worker."""
