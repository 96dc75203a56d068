"""The supervisor's cockpit in the API: `dashboard(from, to)`."""
