"""Service Hall: the one-stop service desk of an industrial park."""
