"""The catalog: categories, service items and their immutable versions, forms, pins, the most-used
board.
"""
