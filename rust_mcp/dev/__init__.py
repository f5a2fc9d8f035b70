"""Developer tools beside the servers: doctor, demo, the generated reference."""
