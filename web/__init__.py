"""The pages: routes that run GraphQL operations in-process and render Jinja2 templates."""
