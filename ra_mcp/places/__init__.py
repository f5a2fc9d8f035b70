"""Places in code: positions, paths as answers show them, locations, symbols found by name, edits planned."""
