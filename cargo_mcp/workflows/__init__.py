"""Calls made of several runs (a target matrix, a scoped check, a verified dependency change, the
outdated report), and the route a call takes to one of them or to a plain run."""
